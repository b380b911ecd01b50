package dev.pretrain.ops.cli.schedule;

import dev.pretrain.ops.client.TemporalService;
import dev.pretrain.ops.config.PretrainConfig;
import dev.pretrain.ops.recipe.Recipe;
import dev.pretrain.ops.schedule.Overlap;
import dev.pretrain.ops.schedule.RunSchedules;
import dev.pretrain.ops.schedule.RunSchedules.ScheduleFailure;
import dev.pretrain.ops.schedule.ScheduleView;
import dev.pretrain.workflows.run.RunRequest;
import io.temporal.client.schedules.ScheduleDescription;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "create", mixinStandardHelpOptions = true,
    description = {"Create a schedule that starts a run of RECIPE at each time of --cron or --every.",
        "Times are UTC unless --time-zone. Durations: 90s, 2m, 24h, 1d, 1h30m."})
public final class CreateSchedule extends ScheduleSubcommand {

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
    warnIfNoWorker(temporal);
    schedules.create(definition);
    ScheduleDescription d = schedules.describe(name);
    err().println("Schedule " + name + " created" + (paused ? " (paused)" : ""));
    Map<String, Object> json = view.json(d, List.of());
    json.put("created", true);
    emit(view.text(d, List.of()), json);
    return 0;
  }
}
