package dev.pretrain.ops.cli.schedule;

import dev.pretrain.ops.client.TemporalService;
import dev.pretrain.ops.config.PretrainConfig;
import dev.pretrain.ops.schedule.RunSchedules;
import dev.pretrain.ops.schedule.ScheduleView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "unpause", mixinStandardHelpOptions = true,
    description = "Unpause; times missed while paused start if still within the catch-up window.")
public final class UnpauseSchedule extends ScheduleSubcommand {
  @Parameters(index = "0", paramLabel = "NAME")
  String name;

  @Option(names = "--note", paramLabel = "TEXT", description = "Note to leave on the schedule.")
  String note;

  @Override
  int run(PretrainConfig cfg, TemporalService temporal, RunSchedules schedules, ScheduleView view) {
    schedules.unpause(name, note != null ? note : "unpaused with ./pretrain schedule unpause");
    return emitState(schedules.describe(name), view);
  }
}
