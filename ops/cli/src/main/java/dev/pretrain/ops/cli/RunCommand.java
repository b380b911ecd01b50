package dev.pretrain.ops.cli;

import dev.pretrain.db.Database;
import dev.pretrain.db.curation.CurationRepository;
import dev.pretrain.ops.client.RunClient;
import dev.pretrain.ops.client.TemporalService;
import dev.pretrain.ops.config.PretrainConfig;
import dev.pretrain.ops.recipe.Recipe;
import dev.pretrain.ops.report.CurationReport;
import dev.pretrain.ops.report.RunReport;
import dev.pretrain.workflows.StepNames;
import dev.pretrain.workflows.run.ParkedStep;
import dev.pretrain.workflows.run.RunRequest;
import dev.pretrain.workflows.run.RunSummary;
import io.temporal.client.WorkflowFailedException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "run", mixinStandardHelpOptions = true,
    description = {"Start a run from a recipe YAML and follow it to the end (progress on stderr, summary on stdout).",
        "Needs a worker on the task queue (./pretrain worker). Ctrl-C stops following, not the run."})
public final class RunCommand extends BaseCommand {

  @Parameters(index = "0", paramLabel = "RECIPE.yaml")
  Path recipeFile;

  @Option(names = "--detach", description = "Print the run id and UI link and return without following.")
  boolean detach;

  @Option(names = "--until", paramLabel = "STEP",
      description = "Stop after STEP, e.g. tokenize for a data-only run (overrides the recipe's 'until').")
  String until;

  @Option(names = "--no-cache", paramLabel = "STEP", split = ",",
      description = "Compute STEP even if the step cache holds a valid result (repeatable; 'all' for every step).")
  List<String> noCache = new ArrayList<>();

  @Override
  public Integer call() {
    PretrainConfig cfg = config();
    Recipe recipe = Recipe.load(recipeFile, cfg.bucket());
    if (until != null) {
      recipe = recipe.withUntil(until);
    }
    String runId = Recipe.newRunId(recipe.name(), Instant.now());
    RunRequest request = recipe.toRequest(runId).withNoCache(noCacheSteps(noCache));
    try (TemporalService temporal = connectTemporal(Duration.ofSeconds(5))) {
      return startAndFollow(this, cfg, temporal, request, detach);
    }
  }

  /** Starts the run, prints its id and link, follows it and prints the summary; shared with {@code demo}. */
  static int startAndFollow(BaseCommand cmd, PretrainConfig cfg, TemporalService temporal, RunRequest request,
      boolean detach) {
    cfg.objectStore().ensureBucket(request.bucket());
    cmd.warnIfNoWorker(temporal);
    RunClient runs = new RunClient(temporal.client(null));
    String workflowId = runs.start(request);
    String url = cfg.workflowUrl(workflowId);
    cmd.err().println("Run " + request.runId() + " started (workflow " + workflowId + ")");
    cmd.err().println("  Temporal UI: " + url);
    if (detach) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("runId", request.runId());
      m.put("workflowId", workflowId);
      m.put("workflowUrl", url);
      cmd.emit(request.runId() + "\n" + url, m);
      return 0;
    }
    return follow(cmd, cfg, runs, request.runId(), workflowId, request.bucket());
  }

  /**
   * Follows a run to its end and prints the summary (exit 0); a parked run prints what to do next and
   * exits {@link ExitCodes#PARKED}; a failed or abandoned run is an error.
   */
  static int follow(BaseCommand cmd, PretrainConfig cfg, RunClient runs, String runId, String workflowId,
      String bucket) {
    String url = cfg.workflowUrl(workflowId);
    RunSummary summary;
    try {
      summary = runs.follow(workflowId, cmd.err(), Duration.ofSeconds(1));
    } catch (WorkflowFailedException e) {
      throw new UserError("run " + runId + " failed: " + rootMessage(e)
          + "\n  details: " + url + "\n  ./pretrain status " + runId);
    } catch (RunClient.RunParkedException e) {
      ParkedStep p = e.progress().parked();
      String text = "Run " + runId + " is PARKED at step " + p.step() + " after " + p.attempts() + " attempt(s) ("
          + p.failureType() + "):\n  " + p.error() + "\n"
          + "Finished steps are kept. Fix the cause, then run the step again (with new parameters if needed):\n"
          + "  ./pretrain retry " + runId + " --step " + p.step() + " [--set key=value ...]\n"
          + "or end the run: ./pretrain abandon " + runId + " --reason \"...\"\n"
          + "Temporal UI: " + url;
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("runId", runId);
      m.put("status", "parked");
      m.put("parked", p);
      m.put("workflowUrl", url);
      cmd.emit(text, m);
      return ExitCodes.PARKED;
    }
    if ("abandoned".equals(summary.status())) {
      throw new UserError("run " + runId + " was abandoned\n  ./pretrain status " + runId);
    }
    RunReport report = new RunReport(summary, url, bucket);
    CurationReport curation = curationReport(cmd, runId);
    if (curation == null || curation.isEmpty()) {
      cmd.emit(report.text(), report.json());
    } else {
      Map<String, Object> json = new LinkedHashMap<>(report.json());
      json.put("curation", curation.json());
      cmd.emit(report.text() + "\n" + curation.text(), json);
    }
    return 0;
  }

  /** The run's per-source tally from the database, or null when the database cannot be reached. */
  static CurationReport curationReport(BaseCommand cmd, String runId) {
    try (Database db = cmd.openDatabase()) {
      return new CurationReport(runId, new CurationRepository(db.jdbc()).tally(runId));
    } catch (RuntimeException e) {
      cmd.err().println("(no curation summary: " + rootMessage(e) + ")");
      return null;
    }
  }

  /** Step names from --no-cache, checked; 'all' means every step. */
  static List<String> noCacheSteps(List<String> given) {
    List<String> steps = new ArrayList<>();
    for (String s : given) {
      String step = s.trim();
      if (step.equals("all")) {
        return StepNames.ALL;
      }
      if (!StepNames.ALL.contains(step)) {
        throw new UserError("--no-cache: unknown step '" + step + "'; steps: "
            + String.join(", ", StepNames.ALL));
      }
      steps.add(step);
    }
    return steps;
  }
}
