package dev.pretrain.ops.cli;

import dev.pretrain.db.Database;
import dev.pretrain.db.runs.RunRepository;
import dev.pretrain.db.runs.RunRepository.Run;
import dev.pretrain.ops.text.TimeText;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "runs", mixinStandardHelpOptions = true,
    description = "List recent runs from our database (the long-term record; Temporal keeps history for 30 days).")
public final class RunsCommand extends BaseCommand {

  static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

  @Option(names = "--status", paramLabel = "S", description = "Only runs with this status: running, parked, completed, failed, abandoned.")
  String status;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "20", description = "At most N runs (default ${DEFAULT-VALUE}).")
  int limit;

  @Override
  public Integer call() {
    try (Database db = openDatabase()) {
      List<Run> runs = new RunRepository(db.jdbc()).recent(Math.max(1, limit), status);
      List<Map<String, Object>> json = new ArrayList<>();
      StringBuilder t = new StringBuilder();
      t.append(String.format(Locale.ROOT, "%-44s %-10s %-16s %-21s %9s%n", "RUN ID", "STATUS", "RECIPE", "STARTED",
          "DURATION"));
      for (Run r : runs) {
        t.append(String.format(Locale.ROOT, "%-44s %-10s %-16s %-21s %9s%n", r.runId(), r.status(), r.recipe(),
            TIME.format(r.startedAt()), duration(r.startedAt(), r.finishedAt())));
        if (r.error() != null && ("parked".equals(r.status()) || "failed".equals(r.status())
            || "abandoned".equals(r.status()))) {
          t.append("    ").append(r.error().length() > 160 ? r.error().substring(0, 159) + "…" : r.error()).append('\n');
        }
        if (r.scheduleId() != null) {
          t.append("    schedule ").append(r.scheduleId()).append(", nominal ")
              .append(r.scheduledTime() == null ? "?" : TIME.format(r.scheduledTime())).append('\n');
        }
        json.add(runJson(r, config().workflowUrl(r.workflowId())));
      }
      if (runs.isEmpty()) {
        t.append(status == null ? "(no runs yet: ./pretrain demo)\n" : "(no runs with status " + status + ")\n");
      }
      emit(t.toString(), json);
    }
    return 0;
  }

  static Map<String, Object> runJson(Run r, String workflowUrl) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("runId", r.runId());
    m.put("workflowId", r.workflowId());
    m.put("recipe", r.recipe());
    m.put("status", r.status());
    m.put("startedAt", r.startedAt().toString());
    m.put("finishedAt", r.finishedAt() == null ? null : r.finishedAt().toString());
    m.put("error", r.error());
    m.put("scheduleId", r.scheduleId());
    m.put("scheduledTime", r.scheduledTime() == null ? null : r.scheduledTime().toString());
    m.put("workflowUrl", workflowUrl);
    return m;
  }

  static String duration(Instant start, Instant end) {
    String s = TimeText.clockOrTenths(Duration.between(start, end == null ? Instant.now() : end));
    return end == null ? s + "+" : s;
  }
}
