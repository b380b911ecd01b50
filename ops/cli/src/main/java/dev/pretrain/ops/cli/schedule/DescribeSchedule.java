package dev.pretrain.ops.cli.schedule;

import dev.pretrain.ops.client.TemporalService;
import dev.pretrain.ops.config.PretrainConfig;
import dev.pretrain.ops.schedule.RunSchedules;
import dev.pretrain.ops.schedule.ScheduleView;
import io.temporal.client.schedules.ScheduleDescription;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "describe", mixinStandardHelpOptions = true,
    description = {"Spec, policy, state, the next 5 times, recent actions (workflow ids, nominal times) and",
        "the runs still running (the server's list, plus those visibility reports, e.g. backfilled ones)."})
public final class DescribeSchedule extends ScheduleSubcommand {
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
