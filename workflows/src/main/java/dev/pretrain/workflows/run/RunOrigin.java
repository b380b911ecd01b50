package dev.pretrain.workflows.run;

/**
 * What started a run: a person (CLI, UI) or a Temporal Schedule, with the schedule's nominal time.
 *
 * @param scheduleId    the schedule's id, null when not started by a schedule
 * @param scheduledTime the nominal (not actual) start time the schedule assigned, ISO-8601; null when
 *                      not scheduled
 */
public record RunOrigin(String scheduleId, String scheduledTime) {
  public static RunOrigin manual() {
    return new RunOrigin(null, null);
  }

  public boolean scheduled() {
    return scheduleId != null;
  }
}
