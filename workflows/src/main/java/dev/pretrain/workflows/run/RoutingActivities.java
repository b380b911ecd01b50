package dev.pretrain.workflows.run;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** Where a run's work goes, decided from what the cluster serves now (recorded in history, so replay agrees). */
@ActivityInterface
public interface RoutingActivities {

  /**
   * The task queue for the model steps: {@link PretrainingRunWorkflow#GPU_TRAIN_TASK_QUEUE} when a
   * worker polled it recently, else {@link PretrainingRunWorkflow#TRAIN_TASK_QUEUE}.
   */
  @ActivityMethod
  String modelTaskQueue();

  /**
   * Places the run under the sovereignty policy of the workers (docs/sovereignty.md): the region, task
   * queues and bucket every step must use, or the reason the run cannot comply. Reads only metadata
   * (the policy, the sources table, object listings), never input data, and records each decision.
   * Without a policy it answers {@link Placement#unrestricted()}.
   */
  @ActivityMethod
  Placement plan(RunRequest request);
}
