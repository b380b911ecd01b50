package dev.pretrain.ops.watch;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Timestamp;
import dev.pretrain.ops.client.TemporalService;
import dev.pretrain.ops.watch.RunSnapshot.PendingActivity;
import dev.pretrain.workflows.run.PretrainingRunWorkflow;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.HistoryEventFilterType;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.query.v1.WorkflowQuery;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.api.workflowservice.v1.QueryWorkflowRequest;
import io.temporal.api.workflowservice.v1.QueryWorkflowResponse;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.GlobalDataConverter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Reads a run's state from Temporal: DescribeWorkflowExecution (status, activities in flight with
 * their heartbeats) and the workflow's {@code progress} query, both as plain RPCs with short deadlines
 * so that a watch keeps refreshing while no worker can answer the query.
 */
public final class RunWatcher {

  /** The run has no workflow in this namespace. */
  public static final class NotFoundException extends RuntimeException {
    NotFoundException(String message) {
      super(message);
    }
  }

  private final TemporalService temporal;
  private final DataConverter converter = GlobalDataConverter.get();
  private final HeartbeatDetailsDecoder heartbeatDetails = new HeartbeatDetailsDecoder(converter);
  private final Duration queryTimeout;

  /** @param queryTimeout how long the progress query may wait for a worker to answer */
  public RunWatcher(TemporalService temporal, Duration queryTimeout) {
    this.temporal = temporal;
    this.queryTimeout = queryTimeout;
  }

  /** The run's state now; the close event is read too once the execution has ended. */
  public RunSnapshot snapshot(String runId) {
    return snapshot(runId, PretrainingRunWorkflow.workflowId(runId));
  }

  /** As {@link #snapshot(String)} for a run whose workflow id is not {@code pretrain-<runId>} (scheduled runs). */
  public RunSnapshot snapshot(String runId, String workflowId) {
    WorkflowExecution execution = WorkflowExecution.newBuilder().setWorkflowId(workflowId).build();
    DescribeWorkflowExecutionResponse d;
    try {
      d = temporal.stubs().blockingStub().withDeadlineAfter(10, TimeUnit.SECONDS).describeWorkflowExecution(
          DescribeWorkflowExecutionRequest.newBuilder().setNamespace(temporal.namespace()).setExecution(execution)
              .build());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        throw new NotFoundException("no workflow " + workflowId + " in namespace " + temporal.namespace()
            + " at " + temporal.address());
      }
      throw e;
    }
    WorkflowExecutionInfo info = d.getWorkflowExecutionInfo();
    String status = info.getStatus().name().replace("WORKFLOW_EXECUTION_STATUS_", "");
    // pin the run this description is about, so that the query and close event match it
    WorkflowExecution exact = info.getExecution();

    JsonNode progress = null;
    String queryError = null;
    try {
      progress = queryProgress(exact);
    } catch (StatusRuntimeException e) {
      queryError = e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED
          ? "no answer to the progress query within " + queryTimeout.toSeconds() + " s (is a worker running?"
              + " ./pretrain worker)"
          : "progress query failed: " + e.getStatus().getCode() + " " + e.getStatus().getDescription();
    } catch (RuntimeException e) {
      queryError = "progress query failed: " + e.getMessage();
    }

    List<PendingActivity> activities = new ArrayList<>();
    for (PendingActivityInfo a : d.getPendingActivitiesList()) {
      activities.add(new PendingActivity(
          a.getActivityId(),
          a.getActivityType().getName(),
          a.getState().name().replace("PENDING_ACTIVITY_STATE_", ""),
          a.getAttempt(),
          a.getMaximumAttempts(),
          a.hasScheduledTime() ? instant(a.getScheduledTime()) : null,
          a.hasLastStartedTime() ? instant(a.getLastStartedTime()) : null,
          a.hasLastHeartbeatTime() ? instant(a.getLastHeartbeatTime()) : null,
          a.hasHeartbeatDetails() ? heartbeatDetails.decode(a.getActivityType().getName(), a.getHeartbeatDetails())
              : null,
          a.hasLastFailure() ? rootMessage(a.getLastFailure()) : null,
          a.getLastWorkerIdentity().isEmpty() ? null : a.getLastWorkerIdentity(),
          a.hasNextAttemptScheduleTime() ? instant(a.getNextAttemptScheduleTime()) : null));
    }
    boolean closed = !"RUNNING".equals(status);
    String failure = closed && !"COMPLETED".equals(status) ? closeReason(exact) : null;
    return RunSnapshot.of(runId, workflowId, status, progress, queryError, activities, failure,
        info.hasStartTime() ? instant(info.getStartTime()) : null,
        info.hasCloseTime() && closed ? instant(info.getCloseTime()) : null,
        Instant.now());
  }

  private JsonNode queryProgress(WorkflowExecution execution) {
    QueryWorkflowResponse r = temporal.stubs().blockingStub()
        .withDeadlineAfter(queryTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .queryWorkflow(QueryWorkflowRequest.newBuilder()
            .setNamespace(temporal.namespace())
            .setExecution(execution)
            .setQuery(WorkflowQuery.newBuilder().setQueryType("progress"))
            .build());
    if (r.hasQueryRejected()) {
      throw new IllegalStateException("rejected, workflow status " + r.getQueryRejected().getStatus());
    }
    return r.hasQueryResult() ? converter.fromPayloads(0, Optional.of(r.getQueryResult()), JsonNode.class, JsonNode.class)
        : null;
  }

  /** Why a closed execution did not complete: the failure's root message, the termination reason, ... */
  private String closeReason(WorkflowExecution execution) {
    try {
      var history = temporal.stubs().blockingStub().withDeadlineAfter(10, TimeUnit.SECONDS)
          .getWorkflowExecutionHistory(GetWorkflowExecutionHistoryRequest.newBuilder()
              .setNamespace(temporal.namespace())
              .setExecution(execution)
              .setHistoryEventFilterType(HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT)
              .build())
          .getHistory();
      for (HistoryEvent e : history.getEventsList()) {
        if (e.hasWorkflowExecutionFailedEventAttributes()) {
          return rootMessage(e.getWorkflowExecutionFailedEventAttributes().getFailure());
        }
        if (e.hasWorkflowExecutionTerminatedEventAttributes()) {
          String reason = e.getWorkflowExecutionTerminatedEventAttributes().getReason();
          return "terminated" + (reason.isEmpty() ? "" : ": " + reason);
        }
        if (e.hasWorkflowExecutionCanceledEventAttributes()) {
          return "cancelled";
        }
        if (e.hasWorkflowExecutionTimedOutEventAttributes()) {
          return "timed out";
        }
      }
    } catch (RuntimeException e) {
      // the status alone is still worth showing
    }
    return null;
  }

  /** The innermost cause's message: what went wrong, not the activity/workflow wrapping around it. */
  static String rootMessage(Failure f) {
    Failure t = f;
    while (t.hasCause()) {
      t = t.getCause();
    }
    return t.getMessage();
  }

  private static Instant instant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }
}
