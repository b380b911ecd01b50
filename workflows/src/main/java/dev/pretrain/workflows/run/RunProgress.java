package dev.pretrain.workflows.run;

import java.util.List;

/**
 * Returned by the workflow's progress query.
 *
 * @param currentStep step running now, or null when done
 * @param partitionsDone partitions of the current step finished so far
 * @param partitionsTotal partitions of the current step (0 if the step is not partitioned)
 */
public record RunProgress(
    String runId, String status, String currentStep, int partitionsDone, int partitionsTotal, List<StepSummary> finished) {}
