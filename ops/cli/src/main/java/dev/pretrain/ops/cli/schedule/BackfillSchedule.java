package dev.pretrain.ops.cli.schedule;

import dev.pretrain.ops.client.TemporalService;
import dev.pretrain.ops.config.PretrainConfig;
import dev.pretrain.ops.schedule.Overlap;
import dev.pretrain.ops.schedule.RunSchedules;
import dev.pretrain.ops.schedule.ScheduleView;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "backfill", mixinStandardHelpOptions = true,
    description = {"Take the runs the schedule would have started between --from and --to (e.g. after an",
        "outage or for a new schedule's history). The catch-up window does not apply; the overlap policy does:",
        "with skip, only the first starts while it runs; use --overlap allow-all or buffer-all for all."})
public final class BackfillSchedule extends ScheduleSubcommand {
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
