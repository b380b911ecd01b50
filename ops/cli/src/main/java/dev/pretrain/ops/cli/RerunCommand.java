package dev.pretrain.ops.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.db.Database;
import dev.pretrain.db.runs.RunRepository;
import dev.pretrain.ops.client.TemporalService;
import dev.pretrain.ops.config.PretrainConfig;
import dev.pretrain.ops.recipe.Recipe;
import dev.pretrain.workflows.StepNames;
import dev.pretrain.workflows.run.RunRequest;
import dev.pretrain.workflows.run.StepOverrides;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "rerun", mixinStandardHelpOptions = true,
    description = {"Start a NEW run with an earlier run's request, computing STEP and everything after it anew; "
        + "the steps before it are answered from the step cache (their artifacts re-checked against their SHA-256).",
        "Example: ./pretrain rerun RUN_ID --from train --set steps=120"})
public final class RerunCommand extends BaseCommand {

  private static final ObjectMapper REQUEST_JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  @Parameters(index = "0", paramLabel = "RUN_ID")
  String runId;

  @Option(names = "--from", required = true, paramLabel = "STEP", description = "First step to compute anew.")
  String from;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Parameter override of the --from step (repeatable).")
  Map<String, String> set = new LinkedHashMap<>();

  @Option(names = "--detach", description = "Print the new run id and return without following.")
  boolean detach;

  @Override
  public Integer call() {
    PretrainConfig cfg = config();
    int index = StepNames.ALL.indexOf(from);
    if (index < 0) {
      throw new UserError("--from: unknown step '" + from + "'; steps: " + String.join(", ", StepNames.ALL));
    }
    RunRequest old;
    try (Database db = openDatabase()) {
      RunRepository.Run run = new RunRepository(db.jdbc()).find(runId)
          .orElseThrow(() -> new UserError("no run " + runId + " in " + cfg.jdbcUrl() + " (./pretrain runs)"));
      try {
        old = REQUEST_JSON.readValue(run.requestJson(), RunRequest.class);
      } catch (Exception e) {
        throw new UserError("run " + runId + " has no readable request: " + e.getMessage());
      }
    }
    RunRequest request;
    try {
      request = StepOverrides.apply(old, from, new LinkedHashMap<>(set));
    } catch (IllegalArgumentException e) {
      throw new UserError("--set: " + e.getMessage());
    }
    List<String> fresh = StepNames.ALL.subList(index, StepNames.ALL.size());
    request = request.withRunId(Recipe.newRunId(old.recipe(), Instant.now())).withNoCache(fresh);
    err().println("Rerun of " + runId + ": " + String.join(", ", fresh) + " computed anew; earlier steps from the cache");
    try (TemporalService temporal = connectTemporal(Duration.ofSeconds(5))) {
      return RunCommand.startAndFollow(this, cfg, temporal, request, detach);
    }
  }
}
