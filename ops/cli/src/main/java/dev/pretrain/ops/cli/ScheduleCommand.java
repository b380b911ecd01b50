package dev.pretrain.ops.cli;

import dev.pretrain.ops.client.TemporalService;
import dev.pretrain.ops.config.PretrainConfig;
import dev.pretrain.ops.recipe.Recipe;
import dev.pretrain.ops.schedule.DurationText;
import dev.pretrain.ops.schedule.Overlap;
import dev.pretrain.ops.schedule.RunSchedules;
import dev.pretrain.ops.schedule.RunSchedules.ScheduleFailure;
import dev.pretrain.ops.schedule.ScheduleView;
import dev.pretrain.workflows.run.RunRequest;
import io.temporal.client.schedules.ScheduleActionExecutionStartWorkflow;
import io.temporal.client.schedules.ScheduleActionResult;
import io.temporal.client.schedules.ScheduleDescription;
import io.temporal.client.schedules.ScheduleListDescription;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

@Command(name = "schedule", mixinStandardHelpOptions = true,
    description = {"Run a recipe on a Temporal Schedule (cron or fixed interval): create, list, describe, pause,",
        "unpause, trigger, backfill, delete. Each run is a PretrainingRunWorkflow with workflow id",
        "pretrain-sched-<NAME>-<nominal time>. Needs the Temporal CLI dev server or a cluster (the SDK's",
        "test server has no Schedules) and a worker (./pretrain worker) to do the runs."},
    subcommands = {ScheduleCommand.CreateSchedule.class, ScheduleCommand.ListSchedules.class,
        ScheduleCommand.DescribeSchedule.class, ScheduleCommand.PauseSchedule.class,
        ScheduleCommand.UnpauseSchedule.class, ScheduleCommand.TriggerSchedule.class,
        ScheduleCommand.BackfillSchedule.class, ScheduleCommand.DeleteSchedule.class})
public final class ScheduleCommand implements Runnable {

  @Override
  public void run() {
    new CommandLine(this).usage(System.err);
  }

  /** Connects, runs the subcommand, and turns schedule failures into one-line user errors. */
  abstract static class ScheduleSubcommand extends BaseCommand {

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
        throw new UserException(e.getMessage());
      }
    }

    /** Checks done before connecting (names, files), so that they fail fast. */
    void prepare(PretrainConfig cfg) {}

    abstract int run(PretrainConfig cfg, TemporalService temporal, RunSchedules schedules, ScheduleView view);
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = {"Create a schedule that starts a run of RECIPE at each time of --cron or --every.",
          "Times are UTC unless --time-zone. Durations: 90s, 2m, 24h, 1d, 1h30m."})
  public static final class CreateSchedule extends ScheduleSubcommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "Schedule id: letters, digits, '-', '_'.")
    String name;

    @Option(names = "--recipe", required = true, paramLabel = "R.yaml", description = "Recipe of each run.")
    Path recipeFile;

    @ArgGroup(exclusive = true, multiplicity = "1")
    When when;

    public static final class When {
      @Option(names = "--cron", paramLabel = "EXPR",
          description = "Cron expression, e.g. \"0 2 * * *\" (02:00 every day), or @daily, @hourly.")
      String cron;

      @Option(names = "--every", paramLabel = "DURATION", converter = DurationConverter.class,
          description = "Fixed interval counted from the Unix epoch, e.g. 24h (midnight UTC), 6h, 30m.")
      Duration every;
    }

    @Option(names = "--overlap", paramLabel = "POLICY", defaultValue = "skip", converter = OverlapConverter.class,
        description = "When a run is due while the previous one still runs: skip, buffer-one, buffer-all,"
            + " cancel-other, terminate-other, allow-all (default ${DEFAULT-VALUE}).")
    Overlap overlap;

    @Option(names = "--catchup", paramLabel = "DURATION", defaultValue = "1d", converter = DurationConverter.class,
        description = "How late a missed run (server down, schedule paused) may still start (default ${DEFAULT-VALUE};"
            + " the server raises less than 10s to 10s).")
    Duration catchup;

    @Option(names = "--pause-on-failure", description = "Pause the schedule when a run fails.")
    boolean pauseOnFailure;

    @Option(names = "--jitter", paramLabel = "DURATION", converter = DurationConverter.class,
        description = "Start each run up to this much later, at random (spreads load).")
    Duration jitter;

    @Option(names = "--time-zone", paramLabel = "TZ", description = "IANA time zone for --cron, e.g. Europe/Berlin.")
    String timeZone;

    @Option(names = "--note", paramLabel = "TEXT", description = "Note shown with the schedule's state.")
    String note;

    @Option(names = "--paused", description = "Create it paused (unpause to start).")
    boolean paused;

    private RunSchedules.Definition definition;

    @Override
    void prepare(PretrainConfig cfg) {
      RunSchedules.checkId(name);
      if (timeZone != null) {
        try {
          java.time.ZoneId.of(timeZone);
        } catch (java.time.DateTimeException e) {
          throw new ScheduleFailure("unknown time zone '" + timeZone + "' (use an IANA name such as Europe/Berlin)");
        }
      }
      RunRequest request = Recipe.load(recipeFile, cfg.bucket()).toRequest(null);
      definition = new RunSchedules.Definition(name, request, when.cron, when.every, timeZone, jitter,
          overlap.policy(), catchup, pauseOnFailure, note, paused);
    }

    @Override
    int run(PretrainConfig cfg, TemporalService temporal, RunSchedules schedules, ScheduleView view) {
      schedules.requireAbsent(name);
      cfg.objectStore().ensureBucket(definition.request().bucket());
      RunCommand.warnIfNoWorker(this, temporal);
      schedules.create(definition);
      ScheduleDescription d = schedules.describe(name);
      err().println("Schedule " + name + " created" + (paused ? " (paused)" : ""));
      Map<String, Object> json = view.json(d, List.of());
      json.put("created", true);
      emit(view.text(d, List.of()), json);
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "List the schedules of the namespace (from Temporal's visibility store: a new one shows within a second or so).")
  public static final class ListSchedules extends ScheduleSubcommand {
    @Override
    int run(PretrainConfig cfg, TemporalService temporal, RunSchedules schedules, ScheduleView view) {
      List<ScheduleListDescription> all = schedules.list();
      emit(view.table(all), all.stream().map(view::json).toList());
      return 0;
    }
  }

  @Command(name = "describe", mixinStandardHelpOptions = true,
      description = {"Spec, policy, state, the next 5 times, recent actions (workflow ids, nominal times) and",
          "the runs still running (the server's list, plus those visibility reports, e.g. backfilled ones)."})
  public static final class DescribeSchedule extends ScheduleSubcommand {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    int run(PretrainConfig cfg, TemporalService temporal, RunSchedules schedules, ScheduleView view) {
      ScheduleDescription d = schedules.describe(name);
      List<String> running = schedules.runningWorkflowIds(name, 100);
      emit(view.text(d, running), view.json(d, running));
      return 0;
    }
  }

  @Command(name = "pause", mixinStandardHelpOptions = true, description = "Pause: no runs start until unpaused.")
  public static final class PauseSchedule extends ScheduleSubcommand {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Option(names = "--note", paramLabel = "TEXT", description = "Why (shown by describe and in the UI).")
    String note;

    @Override
    int run(PretrainConfig cfg, TemporalService temporal, RunSchedules schedules, ScheduleView view) {
      schedules.pause(name, note != null ? note : "paused with ./pretrain schedule pause");
      return emitState(this, schedules.describe(name), view);
    }
  }

  @Command(name = "unpause", mixinStandardHelpOptions = true,
      description = "Unpause; times missed while paused start if still within the catch-up window.")
  public static final class UnpauseSchedule extends ScheduleSubcommand {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Option(names = "--note", paramLabel = "TEXT", description = "Note to leave on the schedule.")
    String note;

    @Override
    int run(PretrainConfig cfg, TemporalService temporal, RunSchedules schedules, ScheduleView view) {
      schedules.unpause(name, note != null ? note : "unpaused with ./pretrain schedule unpause");
      return emitState(this, schedules.describe(name), view);
    }
  }

  static int emitState(BaseCommand cmd, ScheduleDescription d, ScheduleView view) {
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
    cmd.emit("Schedule " + d.getId() + (paused ? " paused" : " active" + next)
        + (m.get("note") == null ? "" : " (note: " + note + ")") + "\n  UI: " + view.url(d.getId()), m);
    return 0;
  }

  @Command(name = "trigger", mixinStandardHelpOptions = true,
      description = {"Start one run now (also when paused).",
          "With the default overlap policy skip, nothing starts while a run of this schedule still runs."})
  public static final class TriggerSchedule extends ScheduleSubcommand {
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
  }

  @Command(name = "backfill", mixinStandardHelpOptions = true,
      description = {"Take the runs the schedule would have started between --from and --to (e.g. after an",
          "outage or for a new schedule's history). The catch-up window does not apply; the overlap policy does:",
          "with skip, only the first starts while it runs; use --overlap allow-all or buffer-all for all."})
  public static final class BackfillSchedule extends ScheduleSubcommand {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Option(names = "--from", required = true, paramLabel = "TIME", converter = InstantConverter.class,
        description = "Start, ISO-8601 (2025-01-31T00:00:00Z) or a date (midnight UTC).")
    Instant from;

    @Option(names = "--to", required = true, paramLabel = "TIME", converter = InstantConverter.class,
        description = "End, same forms.")
    Instant to;

    @Option(names = "--overlap", paramLabel = "POLICY", converter = OverlapConverter.class,
        description = "Overlap policy for these runs (default: the schedule's).")
    Overlap overlap;

    @Override
    int run(PretrainConfig cfg, TemporalService temporal, RunSchedules schedules, ScheduleView view) {
      schedules.backfill(name, from, to, overlap == null ? null : overlap.policy());
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", name);
      m.put("from", from.toString());
      m.put("to", to.toString());
      m.put("overlap", overlap == null ? null : overlap.cliName());
      m.put("url", view.url(name));
      emit("Backfill of " + name + " from " + from + " to " + to + " requested"
          + (overlap == null ? "" : " (overlap " + overlap.cliName() + ")")
          + "; the server starts the runs in the background: ./pretrain schedule describe " + name
          + "\n  UI: " + view.url(name), m);
      return 0;
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true,
      description = "Delete the schedule. Runs it started are not affected.")
  public static final class DeleteSchedule extends ScheduleSubcommand {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    int run(PretrainConfig cfg, TemporalService temporal, RunSchedules schedules, ScheduleView view) {
      schedules.delete(name);
      emit("Schedule " + name + " deleted (runs it started keep going; see ./pretrain runs)",
          Map.of("name", name, "deleted", true));
      return 0;
    }
  }

  // ---------------------------------------------------------------- option converters

  public static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      try {
        return DurationText.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  public static final class OverlapConverter implements ITypeConverter<Overlap> {
    @Override
    public Overlap convert(String value) {
      try {
        return Overlap.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** ISO-8601 instant or offset date-time, or a plain date meaning midnight UTC. */
  public static final class InstantConverter implements ITypeConverter<Instant> {
    @Override
    public Instant convert(String value) {
      String v = value.strip();
      try {
        return Instant.parse(v);
      } catch (DateTimeParseException e) {
        // try the other forms
      }
      try {
        return OffsetDateTime.parse(v).toInstant();
      } catch (DateTimeParseException e) {
        // try the other forms
      }
      try {
        return LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant();
      } catch (DateTimeParseException e) {
        throw new TypeConversionException("not a time: '" + value
            + "' (use an ISO-8601 instant such as 2025-01-31T06:00:00Z, or a date such as 2025-01-31 for midnight UTC)");
      }
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BaseCommand.UserException("interrupted");
    }
  }
}
