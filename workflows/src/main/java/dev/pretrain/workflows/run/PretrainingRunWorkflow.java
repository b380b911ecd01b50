package dev.pretrain.workflows.run;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/** One pre-training run: ingest -> dedup -> tokenize -> train -> evaluate -> quantize. */
@WorkflowInterface
public interface PretrainingRunWorkflow {

  String TASK_QUEUE = "pretrain";

  /**
   * Task queue of the train, evaluate and quantize activities. A worker polls it with one activity
   * slot: DJL's gradient collector is process-wide, so two trainings must not share a process, and
   * a model step wants the whole machine anyway. (A GPU pool would get a queue of its own.)
   */
  String TRAIN_TASK_QUEUE = "pretrain-train";

  static String workflowId(String runId) {
    return "pretrain-" + runId;
  }

  @WorkflowMethod
  RunSummary run(RunRequest request);

  @QueryMethod(description = "Current step, partitions done and the steps finished so far")
  RunProgress progress();
}
