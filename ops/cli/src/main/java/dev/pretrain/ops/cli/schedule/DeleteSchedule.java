package dev.pretrain.ops.cli.schedule;

import dev.pretrain.ops.client.TemporalService;
import dev.pretrain.ops.config.PretrainConfig;
import dev.pretrain.ops.schedule.RunSchedules;
import dev.pretrain.ops.schedule.ScheduleView;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "delete", mixinStandardHelpOptions = true,
    description = "Delete the schedule. Runs it started are not affected.")
public final class DeleteSchedule extends ScheduleSubcommand {
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
