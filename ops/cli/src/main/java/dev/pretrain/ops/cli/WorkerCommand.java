package dev.pretrain.ops.cli;

import dev.pretrain.ops.worker.WorkerOptions;
import dev.pretrain.ops.worker.WorkerProcess;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "worker", mixinStandardHelpOptions = true,
    description = {"Run a worker process: polls the pipeline's task queue for workflow and activity tasks.",
        "Start several (here or on other machines with the same config) to share a run's partitions.",
        "Runs until killed (Ctrl-C / SIGTERM finish the running activities for up to 30 s)."})
public final class WorkerCommand extends BaseCommand {

  @Mixin
  WorkerOptions options = new WorkerOptions();

  @Override
  public Integer call() throws Exception {
    WorkerProcess worker = WorkerProcess.start(config(), options);
    emit(worker.banner(), worker.description());
    worker.awaitStop();
    return 0;
  }
}
