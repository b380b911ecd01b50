package dev.pretrain.ops.cli;

import dev.pretrain.ops.client.RunClient;
import dev.pretrain.ops.client.TemporalService;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "abandon", mixinStandardHelpOptions = true,
    description = "End a PARKED run cleanly (status abandoned, with the reason in our database and its history).")
public final class AbandonCommand extends BaseCommand {

  @Parameters(index = "0", paramLabel = "RUN_ID")
  String runId;

  @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why the run is given up.")
  String reason;

  @Override
  public Integer call() {
    try (TemporalService temporal = connectTemporal(Duration.ofSeconds(5))) {
      String answer;
      try {
        answer = new RunClient(temporal.client(null)).abandon(workflowIdOf(runId), reason);
      } catch (RuntimeException e) {
        throw new UserError("abandon of run " + runId + " refused: " + rootMessage(e));
      }
      emit(answer, Map.of("runId", runId, "status", "abandoned", "reason", reason));
      return 0;
    }
  }
}
