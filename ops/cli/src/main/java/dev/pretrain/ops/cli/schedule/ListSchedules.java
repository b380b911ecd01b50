package dev.pretrain.ops.cli.schedule;

import dev.pretrain.ops.client.TemporalService;
import dev.pretrain.ops.config.PretrainConfig;
import dev.pretrain.ops.schedule.RunSchedules;
import dev.pretrain.ops.schedule.ScheduleView;
import io.temporal.client.schedules.ScheduleListDescription;
import java.util.List;
import picocli.CommandLine.Command;

@Command(name = "list", mixinStandardHelpOptions = true,
    description = "List the schedules of the namespace (from Temporal's visibility store: a new one shows within a second or so).")
public final class ListSchedules extends ScheduleSubcommand {
  @Override
  int run(PretrainConfig cfg, TemporalService temporal, RunSchedules schedules, ScheduleView view) {
    List<ScheduleListDescription> all = schedules.list();
    emit(view.table(all), all.stream().map(view::json).toList());
    return 0;
  }
}
