package dev.pretrain.ops.watch;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code pretrain watch} knows about a run at one moment: the workflow's own account (its
 * {@code progress} query, read as JSON so that fields added later do no harm) and Temporal's account
 * of the activities in flight (attempt, state, last heartbeat and its details).
 *
 * @param execution   Temporal's execution status without prefix: RUNNING, COMPLETED, FAILED,
 *                    TERMINATED, CANCELED, TIMED_OUT, CONTINUED_AS_NEW
 * @param status      the run's status from the progress query (running, parked, completed, failed,
 *                    abandoned, ...), null when the query got no answer
 * @param queryError  why there is no progress (no worker to answer the query, ...), else null
 * @param parked      the parked step, null unless the run is parked
 * @param failure     the failure message of a failed execution, else null
 * @param startedAt   start of the workflow execution
 * @param closedAt    its end, null while it runs
 * @param takenAt     when this snapshot was taken (local clock)
 */
public record RunSnapshot(
    String runId,
    String workflowId,
    String execution,
    String status,
    String queryError,
    String currentStep,
    int partitionsDone,
    int partitionsTotal,
    List<FinishedStep> finished,
    List<PendingActivity> activities,
    Parked parked,
    String failure,
    Instant startedAt,
    Instant closedAt,
    Instant takenAt) {

  /** How a watch ends, with the exit code of {@code pretrain watch}. */
  public enum State {
    RUNNING(-1), COMPLETED(0), FAILED(1), ABANDONED(1), PARKED(3);

    private final int exitCode;

    State(int exitCode) {
      this.exitCode = exitCode;
    }

    /** 0 completed, 1 failed or abandoned, 3 parked; -1 while running. */
    public int exitCode() {
      return exitCode;
    }

    public boolean finalState() {
      return this != RUNNING;
    }
  }

  /** A finished step as the progress query reports it. */
  public record FinishedStep(String step, long millis, Map<String, Long> counts, Map<String, Double> figures,
      boolean fromCache) {}

  /**
   * An activity in flight, from DescribeWorkflowExecution.
   *
   * @param state        SCHEDULED, STARTED, CANCEL_REQUESTED or PAUSED
   * @param details      the last heartbeat's details: the step's progress record ({@code TrainProgress}, ...)
   *                     for an activity type that has one, else JSON; null when there are none
   * @param lastFailure  the message of the previous attempt's failure, or null
   * @param nextAttemptAt when a retry waiting out its backoff starts, or null
   */
  public record PendingActivity(
      String activityId,
      String type,
      String state,
      int attempt,
      int maximumAttempts,
      Instant scheduledAt,
      Instant lastStartedAt,
      Instant lastHeartbeatAt,
      Object details,
      String lastFailure,
      String worker,
      Instant nextAttemptAt) {}

  /** The step that exhausted its retries, with its last error. */
  public record Parked(String step, int attempts, String error, String failureType) {}

  /**
   * RUNNING while the workflow runs and is not parked; else how it ended. A run the workflow reports
   * as abandoned (or failed) ends that way even though its execution completed.
   */
  public State state() {
    String ex = execution == null ? "RUNNING" : execution;
    switch (ex) {
      case "RUNNING", "CONTINUED_AS_NEW":
        return "parked".equals(status) ? State.PARKED : State.RUNNING;
      case "COMPLETED":
        if ("abandoned".equals(status)) {
          return State.ABANDONED;
        }
        return "failed".equals(status) ? State.FAILED : State.COMPLETED;
      default:
        return State.FAILED;
    }
  }

  /** The parked step's name: from the parked record, else the current step. */
  public String parkedStep() {
    return parked != null && parked.step() != null ? parked.step() : currentStep;
  }

  /**
   * Builds a snapshot from the progress query's JSON (null when it got no answer) and the execution's
   * description. Unknown fields are ignored; missing ones are null or 0.
   */
  public static RunSnapshot of(String runId, String workflowId, String execution, JsonNode progress, String queryError,
      List<PendingActivity> activities, String failure, Instant startedAt, Instant closedAt, Instant takenAt) {
    JsonNode p = progress == null || progress.isNull() ? null : progress;
    List<FinishedStep> finished = new ArrayList<>();
    Parked parked = null;
    if (p != null) {
      for (JsonNode s : p.path("finished")) {
        finished.add(new FinishedStep(text(s, "step"), s.path("millis").asLong(0), longs(s.path("counts")),
            doubles(s.path("figures")), s.path("cacheHits").asInt(0) > 0 && s.path("computed").asInt(0) == 0));
      }
      JsonNode pk = p.path("parked");
      if (pk.isObject()) {
        parked = new Parked(text(pk, "step"), pk.path("attempts").asInt(0), text(pk, "error"), text(pk, "failureType"));
      }
    }
    return new RunSnapshot(
        p != null && text(p, "runId") != null ? text(p, "runId") : runId,
        workflowId, execution,
        p == null ? null : text(p, "status"),
        queryError,
        p == null ? null : text(p, "currentStep"),
        p == null ? 0 : p.path("partitionsDone").asInt(0),
        p == null ? 0 : p.path("partitionsTotal").asInt(0),
        List.copyOf(finished), List.copyOf(activities), parked, failure, startedAt, closedAt, takenAt);
  }

  static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static Map<String, Long> longs(JsonNode obj) {
    Map<String, Long> m = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getValue().isNumber()) {
        m.put(e.getKey(), e.getValue().asLong());
      }
    }
    return m;
  }

  private static Map<String, Double> doubles(JsonNode obj) {
    Map<String, Double> m = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getValue().isNumber()) {
        m.put(e.getKey(), e.getValue().asDouble());
      }
    }
    return m;
  }
}
