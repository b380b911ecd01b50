package dev.pretrain.ops.cli.schedule;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "schedule", mixinStandardHelpOptions = true,
    description = {"Run a recipe on a Temporal Schedule (cron or fixed interval): create, list, describe, pause,",
        "unpause, trigger, backfill, delete. Each run is a PretrainingRunWorkflow with workflow id",
        "pretrain-sched-<NAME>-<nominal time>. Needs the Temporal CLI dev server or a cluster (the SDK's",
        "test server has no Schedules) and a worker (./pretrain worker) to do the runs."},
    subcommands = {CreateSchedule.class, ListSchedules.class, DescribeSchedule.class, PauseSchedule.class,
        UnpauseSchedule.class, TriggerSchedule.class, BackfillSchedule.class, DeleteSchedule.class})
public final class ScheduleCommand implements Runnable {

  @Override
  public void run() {
    new CommandLine(this).usage(System.err);
  }
}
