package dev.pretrain.workflows.run;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.SearchAttributeKey;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerOptions;

/**
 * The SDK's in-memory Temporal with the run workflow and {@link FakeSteps} registered on the queues
 * that {@code PipelineWorker} serves, the model steps one at a time, as a real worker registers them.
 */
final class FakeStepsEnvironment implements AutoCloseable {

  final TestWorkflowEnvironment env;
  final FakeSteps steps = new FakeSteps();
  final WorkflowClient client;
  /** The model steps as a worker of region eu serves them. */
  final FakeSteps.Model regional = new FakeSteps.Model();
  static final String REGION_DATA_QUEUE = "pretrain-eu";
  static final String REGION_MODEL_QUEUE = "pretrain-train-eu";

  FakeStepsEnvironment() {
    env = TestWorkflowEnvironment.newInstance();
    for (SearchAttributeKey<?> key : PipelineSearchAttributes.ALL) {
      env.registerSearchAttribute(key.getName(), key.getValueType());
    }
    Worker worker = env.newWorker(PretrainingRunWorkflow.TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(PretrainingRunWorkflowImpl.class);
    worker.registerActivitiesImplementations(steps);
    WorkerOptions oneAtATime = WorkerOptions.newBuilder().setMaxConcurrentActivityExecutionSize(1).build();
    env.newWorker(PretrainingRunWorkflow.TRAIN_TASK_QUEUE, oneAtATime).registerActivitiesImplementations(steps.model);
    env.newWorker(PretrainingRunWorkflow.GPU_TRAIN_TASK_QUEUE, oneAtATime)
        .registerActivitiesImplementations(steps.gpuModel);
    // a region's queues, as a worker started with --region eu serves them (docs/sovereignty.md)
    env.newWorker(REGION_DATA_QUEUE).registerActivitiesImplementations(steps);
    env.newWorker(REGION_MODEL_QUEUE, oneAtATime).registerActivitiesImplementations(regional);
    env.start();
    client = env.getWorkflowClient();
  }

  PretrainingRunWorkflow stub(String runId) {
    return client.newWorkflowStub(PretrainingRunWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId(PretrainingRunWorkflow.workflowId(runId))
        .setTaskQueue(PretrainingRunWorkflow.TASK_QUEUE)
        .build());
  }

  @Override
  public void close() {
    env.close();
  }
}
