package dev.pretrain.workflows.run;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
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

  /** The model steps' queue on workers with a GPU; a run uses it when such a worker is polling. */
  String GPU_TRAIN_TASK_QUEUE = "pretrain-train-gpu";

  /**
   * The data steps' queue of a region (ingest, dedup, tokenize), unless the sovereignty policy names
   * another: {@code pretrain-eu} beside the default {@link #TASK_QUEUE}.
   */
  static String regionTaskQueue(String region) {
    return TASK_QUEUE + "-" + region;
  }

  /** The model steps' queue of a region (train, evaluate, quantize), unless the policy names another. */
  static String regionTrainTaskQueue(String region) {
    return TRAIN_TASK_QUEUE + "-" + region;
  }

  static String workflowId(String runId) {
    return "pretrain-" + runId;
  }

  @WorkflowMethod
  RunSummary run(RunRequest request);

  @QueryMethod(description = "Current step, partitions done, the steps finished so far, and the parked step with "
      + "its attempts and last error when the run is parked")
  RunProgress progress();

  /** Name of the update, as typed in the Temporal UI and sent by {@code pretrain retry}. */
  String RETRY_STEP = "retryStep";
  String ABANDON = "abandon";

  @UpdateMethod(name = RETRY_STEP, description = "Parked run: run a step again, optionally with new parameters, then "
      + "continue downstream; finished upstream steps are not executed again. Payload: "
      + "{\"step\": \"tokenize\", \"set\": {\"encoding\": \"r50k_base\"}}. "
      + "step: the parked step (default) or a step finished before it; set: parameter overrides of that step.")
  String retryStep(RetryStepRequest request);

  @UpdateValidatorMethod(updateName = RETRY_STEP)
  void validateRetryStep(RetryStepRequest request);

  @UpdateMethod(name = ABANDON, description = "Parked run: give up and end the run cleanly (status abandoned). "
      + "Payload: {\"reason\": \"why\"}")
  String abandon(AbandonRequest request);

  @UpdateValidatorMethod(updateName = ABANDON)
  void validateAbandon(AbandonRequest request);
}
