package dev.pretrain.activities.run;

import dev.pretrain.workflows.run.PretrainingRunWorkflow;
import dev.pretrain.workflows.run.RoutingActivities;
import io.temporal.activity.Activity;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.taskqueue.v1.PollerInfo;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest;
import io.temporal.client.WorkflowClient;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/** Asks the Temporal server which model queue has workers, through the client this worker already has. */
public class RoutingActivitiesImpl implements RoutingActivities {

  /** A live worker renews its long poll at least every ~70 s; older pollers are gone. */
  static final long RECENT_SECONDS = 90;

  @Override
  public String modelTaskQueue() {
    WorkflowClient client = Activity.getExecutionContext().getWorkflowClient();
    var pollers = client.getWorkflowServiceStubs().blockingStub().withDeadlineAfter(10, TimeUnit.SECONDS)
        .describeTaskQueue(DescribeTaskQueueRequest.newBuilder()
            .setNamespace(client.getOptions().getNamespace())
            .setTaskQueue(TaskQueue.newBuilder().setName(PretrainingRunWorkflow.GPU_TRAIN_TASK_QUEUE).build())
            .setTaskQueueType(TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)
            .build())
        .getPollersList();
    long cutoff = Instant.now().getEpochSecond() - RECENT_SECONDS;
    for (PollerInfo p : pollers) {
      if (!p.hasLastAccessTime() || p.getLastAccessTime().getSeconds() >= cutoff) {
        return PretrainingRunWorkflow.GPU_TRAIN_TASK_QUEUE;
      }
    }
    return PretrainingRunWorkflow.TRAIN_TASK_QUEUE;
  }
}
