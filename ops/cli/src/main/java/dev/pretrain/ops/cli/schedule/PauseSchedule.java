package dev.pretrain.ops.cli.schedule;

import dev.pretrain.ops.client.TemporalService;
import dev.pretrain.ops.config.PretrainConfig;
import dev.pretrain.ops.schedule.RunSchedules;
import dev.pretrain.ops.schedule.ScheduleView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "pause", mixinStandardHelpOptions = true, description = "Pause: no runs start until unpaused.")
public final class PauseSchedule extends ScheduleSubcommand {
  @Parameters(index = "0", paramLabel = "NAME")
  String name;

  @Option(names = "--note", paramLabel = "TEXT", description = "Why (shown by describe and in the UI).")
  String note;

  @Override
  int run(PretrainConfig cfg, TemporalService temporal, RunSchedules schedules, ScheduleView view) {
    schedules.pause(name, note != null ? note : "paused with ./pretrain schedule pause");
    return emitState(schedules.describe(name), view);
  }
}
