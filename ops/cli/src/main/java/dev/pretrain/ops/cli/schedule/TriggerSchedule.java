package dev.pretrain.ops.cli.schedule;

import dev.pretrain.ops.cli.UserError;
import dev.pretrain.ops.client.TemporalService;
import dev.pretrain.ops.config.PretrainConfig;
import dev.pretrain.ops.schedule.Overlap;
import dev.pretrain.ops.schedule.RunSchedules;
import dev.pretrain.ops.schedule.ScheduleView;
import io.temporal.client.schedules.ScheduleActionExecutionStartWorkflow;
import io.temporal.client.schedules.ScheduleActionResult;
import io.temporal.client.schedules.ScheduleDescription;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "trigger", mixinStandardHelpOptions = true,
    description = {"Start one run now (also when paused).",
        "With the default overlap policy skip, nothing starts while a run of this schedule still runs."})
public final class TriggerSchedule extends ScheduleSubcommand {
  @Parameters(index = "0", paramLabel = "NAME")
  String name;

  @Option(names = "--overlap", paramLabel = "POLICY", converter = OverlapConverter.class,
      description = "Overlap policy for this run only (default: the schedule's).")
  Overlap overlap;

  @Override
  int run(PretrainConfig cfg, TemporalService temporal, RunSchedules schedules, ScheduleView view) {
    ScheduleDescription before = schedules.describe(name);
    schedules.trigger(name, overlap == null ? null : overlap.policy());
    // The schedule's own workflow takes the action a moment later: wait briefly to say what it did.
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("url", view.url(name));
    String outcome = "requested";
    String text = "Trigger of " + name + " requested; the server has not reported the run yet:"
        + " ./pretrain schedule describe " + name;
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      ScheduleDescription now = schedules.describe(name);
      if (now.getInfo().getNumActions() > before.getInfo().getNumActions()) {
        List<ScheduleActionResult> recent = now.getInfo().getRecentActions();
        ScheduleActionResult last = recent.get(recent.size() - 1);
        String wf = last.getAction() instanceof ScheduleActionExecutionStartWorkflow w ? w.getWorkflowId() : null;
        outcome = "started";
        m.put("workflowId", wf);
        m.put("scheduledAt", last.getScheduledAt() == null ? null : last.getScheduledAt().toString());
        m.put("workflowUrl", wf == null ? null : cfg.workflowUrl(wf));
        text = "Started " + wf + "\n  Temporal UI: " + m.get("workflowUrl");
        break;
      }
      if (now.getInfo().getNumActionsSkippedOverlap() > before.getInfo().getNumActionsSkippedOverlap()) {
        outcome = "skipped";
        text = "Skipped: a run of " + name + " is still running and the overlap policy is "
            + Overlap.nameOf(now.getSchedule().getPolicy().getOverlap())
            + " (use --overlap allow-all or buffer-one to run anyway)";
        break;
      }
      sleep(250);
    }
    m.put("outcome", outcome);
    emit(text, m);
    return 0;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserError("interrupted");
    }
  }
}
