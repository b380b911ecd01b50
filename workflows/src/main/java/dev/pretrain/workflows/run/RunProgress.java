package dev.pretrain.workflows.run;

import java.util.List;

/**
 * Returned by the workflow's progress query.
 *
 * @param status         running, parked, completed, failed or abandoned
 * @param currentStep    step running (or parked) now, or null when done
 * @param partitionsDone partitions of the current step finished so far
 * @param partitionsTotal partitions of the current step (0 if the step is not partitioned)
 * @param parked         the parked step with its attempts and last error, null unless parked
 * @param origin         what started the run (schedule and nominal time), null in older runs
 */
public record RunProgress(
    String runId, String status, String currentStep, int partitionsDone, int partitionsTotal,
    List<StepSummary> finished, ParkedStep parked, RunOrigin origin) {

  public RunProgress(String runId, String status, String currentStep, int partitionsDone, int partitionsTotal,
      List<StepSummary> finished) {
    this(runId, status, currentStep, partitionsDone, partitionsTotal, finished, null, null);
  }
}
