package dev.pretrain.ops.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.pretrain.db.Database;
import dev.pretrain.db.cache.StepCacheRepository;
import dev.pretrain.db.runs.RunRepository;
import dev.pretrain.db.runs.RunRepository.Run;
import dev.pretrain.db.runs.RunRepository.Step;
import dev.pretrain.ops.client.RunClient;
import dev.pretrain.ops.client.TemporalService;
import dev.pretrain.ops.text.TimeText;
import dev.pretrain.workflows.run.RunProgress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "status", mixinStandardHelpOptions = true,
    description = "One run: its steps from our database, and live progress from the workflow while it runs.")
public final class StatusCommand extends BaseCommand {

  @Parameters(index = "0", paramLabel = "RUN_ID")
  String runId;

  @Override
  public Integer call() {
    Run run;
    List<Step> steps;
    List<RunRepository.Retry> retries;
    List<StepCacheRepository.Execution> executions;
    List<dev.pretrain.db.placement.PlacementRepository.Decision> placement;
    try (Database db = openDatabase()) {
      RunRepository repo = new RunRepository(db.jdbc());
      run = repo.find(runId).orElseThrow(() -> new UserError("no run " + runId + " in " + config().jdbcUrl()
          + " (list them with ./pretrain runs)"));
      steps = repo.steps(runId);
      retries = repo.retries(runId);
      executions = new StepCacheRepository(db.jdbc()).executions(runId);
      placement = new dev.pretrain.db.placement.PlacementRepository(db.jdbc()).decisions(runId);
    }
    RunProgress live = null;
    String liveError = null;
    if ("running".equals(run.status()) || "parked".equals(run.status())) {
      TemporalService temporal = TemporalService.connect(config().temporalAddress(), config().namespace(), null,
          config().temporalTls());
      try {
        live = new RunClient(temporal.client(null)).progress(run.workflowId());
        if (live == null) {
          liveError = "no answer to the progress query (no worker running?)";
        }
      } finally {
        temporal.close();
      }
    }
    String url = config().workflowUrl(run.workflowId());

    StringBuilder t = new StringBuilder();
    t.append("Run ").append(run.runId()).append(": ").append(run.status()).append('\n');
    t.append("  recipe     ").append(run.recipe()).append('\n');
    t.append("  started    ").append(RunsCommand.TIME.format(run.startedAt())).append('\n');
    if (run.finishedAt() != null) {
      t.append("  finished   ").append(RunsCommand.TIME.format(run.finishedAt())).append("  (")
          .append(RunsCommand.duration(run.startedAt(), run.finishedAt())).append(")\n");
    }
    t.append("  workflow   ").append(run.workflowId()).append("  ").append(url).append('\n');
    if (run.scheduleId() != null) {
      t.append("  schedule   ").append(run.scheduleId()).append(", nominal time ")
          .append(run.scheduledTime() == null ? "?" : RunsCommand.TIME.format(run.scheduledTime())).append('\n');
    }
    if (run.error() != null) {
      t.append("  error      ").append(run.error()).append('\n');
    }
    t.append(String.format(Locale.ROOT, "%n  %-10s %-10s %9s %10s %5s %-17s %s%n", "step", "status", "time", "MB in",
        "runs", "activities", "counts"));
    List<Map<String, Object>> stepsJson = new ArrayList<>();
    for (Step s : steps) {
      Map<String, Long> counts = parseCounts(s.countsJson());
      t.append(String.format(Locale.ROOT, "  %-10s %-10s %9s %10s %5d %-17s %s%n", s.step(), s.status(),
          s.millis() == null ? "-" : TimeText.seconds(s.millis()),
          s.bytesIn() == null ? "-" : String.format(Locale.ROOT, "%.2f", s.bytesIn() / 1e6),
          s.executions(), cacheText(s), counts == null ? "" : dev.pretrain.ops.report.RunReport.countsText(counts)));
      if ("parked".equals(s.status())) {
        t.append("             parked after ").append(s.attempts()).append(" attempt(s), ").append(s.failureType())
            .append(": ").append(s.error()).append('\n')
            .append("             ./pretrain retry ").append(run.runId()).append(" --step ").append(s.step())
            .append(" [--set key=value]   or   ./pretrain abandon ").append(run.runId()).append(" --reason ...\n");
      }
      Map<String, Object> sj = new LinkedHashMap<>();
      sj.put("step", s.step());
      sj.put("status", s.status());
      sj.put("millis", s.millis());
      sj.put("bytesIn", s.bytesIn());
      sj.put("counts", counts);
      sj.put("executions", s.executions());
      sj.put("cacheHits", s.cacheHits());
      sj.put("computed", s.computed());
      sj.put("attempts", s.attempts());
      sj.put("error", s.error());
      sj.put("failureType", s.failureType());
      sj.put("startedAt", s.startedAt().toString());
      sj.put("finishedAt", s.finishedAt() == null ? null : s.finishedAt().toString());
      stepsJson.add(sj);
    }
    t.append("  (runs: times the workflow started the step; activities: cache hits / computed)\n");
    placementText(t, placement);
    if (!retries.isEmpty()) {
      t.append("\n  retries asked for:\n");
      for (RunRepository.Retry r : retries) {
        t.append("    ").append(RunsCommand.TIME.format(r.requestedAt())).append("  ").append(r.step())
            .append("  ").append(r.overridesJson()).append('\n');
      }
    }
    if (live != null) {
      t.append("\n  live: ").append(live.status());
      if (live.currentStep() != null) {
        t.append(", step ").append(live.currentStep());
        if (live.partitionsTotal() > 0) {
          t.append(' ').append(live.partitionsDone()).append('/').append(live.partitionsTotal()).append(" partitions");
        }
      }
      t.append('\n');
    } else if (liveError != null) {
      t.append("\n  live: ").append(liveError).append('\n');
    }

    Map<String, Object> json = RunsCommand.runJson(run, url);
    json.put("steps", stepsJson);
    json.put("placement", placement.stream().map(d -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("source", d.source());
      m.put("jurisdiction", d.jurisdiction());
      m.put("step", d.step());
      m.put("decision", d.decision());
      m.put("region", d.region());
      m.put("taskQueue", d.taskQueue());
      m.put("bucket", d.bucket());
      m.put("rule", d.rule());
      m.put("reason", d.reason());
      m.put("decidedAt", d.decidedAt().toString());
      return m;
    }).toList());
    json.put("live", live);
    json.put("scheduleId", run.scheduleId());
    json.put("scheduledTime", run.scheduledTime() == null ? null : run.scheduledTime().toString());
    json.put("retries", retries.stream().map(r -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("step", r.step());
      m.put("overrides", r.overridesJson());
      m.put("requestedAt", r.requestedAt().toString());
      return m;
    }).toList());
    json.put("executions", executions.stream().map(x -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("step", x.step());
      m.put("activity", x.activity());
      m.put("attempt", x.attempt());
      m.put("outcome", x.outcome());
      m.put("sourceRunId", x.sourceRunId());
      m.put("error", x.error());
      m.put("startedAt", x.startedAt().toString());
      m.put("millis", x.millis());
      return m;
    }).toList());
    emit(t.toString(), json);
    return 0;
  }

  /** "cache hit", "2 hit / 1 new", or "3 computed". */
  static String cacheText(Step s) {
    int hits = s.cacheHits() == null ? 0 : s.cacheHits();
    int computed = s.computed() == null ? 0 : s.computed();
    if (hits > 0 && computed == 0) {
      return hits == 1 ? "cache hit" : "cache hit (" + hits + ")";
    }
    if (hits > 0) {
      return hits + " hit / " + computed + " new";
    }
    return s.computed() == null ? "-" : computed + " computed";
  }

  /** The sovereignty policy's decisions, one line per source: where its steps may run, or why not. */
  static void placementText(StringBuilder t, List<dev.pretrain.db.placement.PlacementRepository.Decision> decisions) {
    if (decisions.isEmpty()) {
      return;
    }
    t.append("\n  placement (sovereignty policy, docs/sovereignty.md):\n");
    Map<String, List<dev.pretrain.db.placement.PlacementRepository.Decision>> bySource = new LinkedHashMap<>();
    decisions.forEach(d -> bySource.computeIfAbsent(d.source(), k -> new ArrayList<>()).add(d));
    bySource.forEach((source, ds) -> {
      var first = ds.get(0);
      t.append("    ").append(source).append(" (").append(first.jurisdiction()).append("): ");
      if (first.reason() != null) {
        t.append("refused: ").append(first.reason()).append('\n');
      } else {
        t.append("allowed in region ").append(first.region()).append(", bucket ").append(first.bucket())
            .append(", queues ").append(ds.stream().map(d -> d.taskQueue()).distinct().toList())
            .append(" (rule ").append(first.rule()).append(")\n");
      }
    });
  }

  private static Map<String, Long> parseCounts(String countsJson) {
    if (countsJson == null || countsJson.isBlank()) {
      return null;
    }
    try {
      return JSON.readValue(countsJson, new TypeReference<LinkedHashMap<String, Long>>() {});
    } catch (Exception e) {
      return null;
    }
  }
}
