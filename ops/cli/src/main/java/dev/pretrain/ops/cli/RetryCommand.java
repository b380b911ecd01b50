package dev.pretrain.ops.cli;

import dev.pretrain.ops.client.RunClient;
import dev.pretrain.ops.client.TemporalService;
import dev.pretrain.ops.config.PretrainConfig;
import dev.pretrain.workflows.run.RetryStepRequest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "retry", mixinStandardHelpOptions = true,
    description = {"Run a step of a PARKED run again (the retryStep update), optionally with new parameters, then "
        + "continue downstream. Finished upstream steps are not executed again.",
        "Example: ./pretrain retry RUN_ID --step tokenize --set encoding=r50k_base"})
public final class RetryCommand extends BaseCommand {

  @Parameters(index = "0", paramLabel = "RUN_ID")
  String runId;

  @Option(names = "--step", paramLabel = "STEP",
      description = "The parked step (default) or a step finished before it.")
  String step;

  @Option(names = "--set", paramLabel = "KEY=VALUE",
      description = "Parameter override of that step, as named in the recipe (repeatable).")
  Map<String, String> set = new LinkedHashMap<>();

  @Option(names = "--detach", description = "Return once the retry is accepted, without following the run.")
  boolean detach;

  @Override
  public Integer call() {
    PretrainConfig cfg = config();
    try (TemporalService temporal = connectTemporal(Duration.ofSeconds(5))) {
      RunClient runs = new RunClient(temporal.client(null));
      String workflowId = workflowIdOf(runId);
      String answer;
      try {
        answer = runs.retryStep(workflowId, new RetryStepRequest(step, new LinkedHashMap<>(set)));
      } catch (RuntimeException e) {
        throw new UserError("retry of run " + runId + " refused: " + rootMessage(e));
      }
      err().println(answer);
      if (detach) {
        emit(answer, Map.of("runId", runId, "accepted", answer));
        return 0;
      }
      return RunCommand.follow(this, cfg, runs, runId, workflowId, cfg.bucket());
    }
  }
}
