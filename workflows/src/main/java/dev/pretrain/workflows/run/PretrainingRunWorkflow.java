package dev.pretrain.workflows.run;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/** One pre-training run: ingest -> dedup -> tokenize (train -> evaluate -> quantize follow in part 2). */
@WorkflowInterface
public interface PretrainingRunWorkflow {

  String TASK_QUEUE = "pretrain";

  static String workflowId(String runId) {
    return "pretrain-" + runId;
  }

  @WorkflowMethod
  RunSummary run(RunRequest request);

  @QueryMethod(description = "Current step, partitions done and the steps finished so far")
  RunProgress progress();
}
