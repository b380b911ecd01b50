package dev.pretrain.ops.cli.schedule;

import dev.pretrain.ops.cli.BaseCommand;
import dev.pretrain.ops.cli.UserError;
import dev.pretrain.ops.client.TemporalService;
import dev.pretrain.ops.config.PretrainConfig;
import dev.pretrain.ops.schedule.RunSchedules;
import dev.pretrain.ops.schedule.RunSchedules.ScheduleFailure;
import dev.pretrain.ops.schedule.ScheduleView;
import io.temporal.client.schedules.ScheduleDescription;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Connects, runs the subcommand, and turns schedule failures into one-line user errors. */
abstract class ScheduleSubcommand extends BaseCommand {

  @Override
  public final Integer call() {
    PretrainConfig cfg = config();
    try {
      prepare(cfg);
      try (TemporalService temporal = connectTemporal(Duration.ofSeconds(5))) {
        RunSchedules schedules = new RunSchedules(temporal.stubs(), cfg.namespace(), cfg.temporalAddress());
        ScheduleView view = new ScheduleView(cfg.temporalUi(), cfg.namespace(), cfg::workflowUrl);
        return run(cfg, temporal, schedules, view);
      }
    } catch (ScheduleFailure e) {
      throw new UserError(e.getMessage());
    }
  }

  /** Checks done before connecting (names, files), so that they fail fast. */
  void prepare(PretrainConfig cfg) {}

  abstract int run(PretrainConfig cfg, TemporalService temporal, RunSchedules schedules, ScheduleView view);

  /** Prints whether the schedule is paused, its note and next run. */
  int emitState(ScheduleDescription d, ScheduleView view) {
    boolean paused = d.getSchedule().getState().isPaused();
    String note = d.getSchedule().getState().getNote();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", d.getId());
    m.put("paused", paused);
    m.put("note", note == null || note.isEmpty() ? null : note);
    m.put("nextActionTimes", d.getInfo().getNextActionTimes().stream().limit(ScheduleView.NEXT_TIMES)
        .map(Instant::toString).toList());
    m.put("url", view.url(d.getId()));
    String next = d.getInfo().getNextActionTimes().stream().findFirst().map(t -> ", next run " + t).orElse("");
    emit("Schedule " + d.getId() + (paused ? " paused" : " active" + next)
        + (m.get("note") == null ? "" : " (note: " + note + ")") + "\n  UI: " + view.url(d.getId()), m);
    return 0;
  }
}
