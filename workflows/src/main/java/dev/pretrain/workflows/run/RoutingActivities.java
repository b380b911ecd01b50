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
}
