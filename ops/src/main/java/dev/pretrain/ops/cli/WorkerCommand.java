package dev.pretrain.ops.cli;

import dev.pretrain.ops.client.TemporalService;
import dev.pretrain.ops.config.PretrainConfig;
import dev.pretrain.ops.worker.PipelineWorker;
import dev.pretrain.workflows.run.PretrainingRunWorkflow;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "worker", mixinStandardHelpOptions = true,
    description = {"Run a worker process: polls the pipeline's task queue for workflow and activity tasks.",
        "Start several (here or on other machines with the same config) to share a run's partitions.",
        "Runs until killed (Ctrl-C / SIGTERM finish the running activities for up to 30 s)."})
public final class WorkerCommand extends BaseCommand {

  @Option(names = "--max-activities", paramLabel = "N",
      description = "Activities (partitions) run at once; default: number of CPU cores.")
  Integer maxActivities;

  @Override
  public Integer call() throws Exception {
    PretrainConfig cfg = config();
    TemporalService temporal = connectTemporal(Duration.ofSeconds(30));
    int slots = maxActivities != null ? maxActivities : Runtime.getRuntime().availableProcessors();
    PipelineWorker worker = PipelineWorker.start(cfg, temporal, slots);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.err.println("Worker " + worker.identity() + " stopping ...");
      worker.close();
      temporal.close();
      stopped.countDown();
    }, "pretrain-worker-shutdown"));

    Map<String, Object> d = new LinkedHashMap<>();
    d.put("identity", worker.identity());
    d.put("pid", ProcessHandle.current().pid());
    d.put("taskQueue", PretrainingRunWorkflow.TASK_QUEUE);
    d.put("temporal", cfg.temporalAddress());
    d.put("namespace", cfg.namespace());
    d.put("s3", cfg.s3Endpoint());
    d.put("jdbcUrl", cfg.jdbcUrl());
    d.put("maxActivities", slots);
    d.put("workDir", worker.workDir().toString());
    emit("Worker " + worker.identity() + " polling task queue '" + PretrainingRunWorkflow.TASK_QUEUE + "' on "
        + cfg.temporalAddress() + " (namespace " + cfg.namespace() + "), " + slots + " activity slots\n"
        + "  S3 " + cfg.s3Endpoint() + ", database " + cfg.jdbcUrl() + "\n"
        + "  scratch " + worker.workDir() + "\n"
        + "Ctrl-C stops it.", d);
    stopped.await();
    return 0;
  }
}
