package dev.pretrain.ops.schedule;

import dev.pretrain.workflows.run.PipelineSearchAttributes;
import dev.pretrain.workflows.run.PretrainingRunWorkflow;
import dev.pretrain.workflows.run.RunRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowExecutionMetadata;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleAlreadyRunningException;
import io.temporal.client.schedules.ScheduleBackfill;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleClientOptions;
import io.temporal.client.schedules.ScheduleDescription;
import io.temporal.client.schedules.ScheduleIntervalSpec;
import io.temporal.client.schedules.ScheduleListDescription;
import io.temporal.client.schedules.ScheduleOptions;
import io.temporal.client.schedules.SchedulePolicy;
import io.temporal.client.schedules.ScheduleSpec;
import io.temporal.client.schedules.ScheduleState;
import io.temporal.common.SearchAttributes;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Pipeline runs on Temporal Schedules: each action starts {@link PretrainingRunWorkflow} with a
 * recipe's request. The server appends the nominal (scheduled) time to the workflow id
 * {@code pretrain-sched-<name>}, so every run has its own id, and it sets the search attributes
 * TemporalScheduledById / TemporalScheduledStartTime on the run, from which the workflow records
 * which schedule started it. Server errors come out as {@link ScheduleFailure} with a message for the user.
 */
public final class RunSchedules {

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,100}");

  /** Memo keys on the schedule itself: what `describe` shows as the user wrote it. */
  public static final String MEMO_CRON = "cron";
  public static final String MEMO_RECIPE = "recipe";
  /** Memo key on each run the schedule starts. */
  public static final String MEMO_SCHEDULE = "schedule";

  private final ScheduleClient client;
  private final WorkflowClient workflows;
  private final String address;
  private final String namespace;

  public RunSchedules(WorkflowServiceStubs stubs, String namespace, String address) {
    this.client = ScheduleClient.newInstance(stubs, ScheduleClientOptions.newBuilder().setNamespace(namespace).build());
    this.workflows = WorkflowClient.newInstance(stubs, WorkflowClientOptions.newBuilder().setNamespace(namespace).build());
    this.address = address;
    this.namespace = namespace;
  }

  /**
   * A schedule as the CLI defines it.
   *
   * @param cron          a cron expression (UTC unless {@code timeZone}), or null
   * @param every         an interval, or null; exactly one of cron and every is set
   * @param overlap       what to do when a run is due while the previous one still runs
   * @param catchupWindow how late a missed action (server down, schedule paused) may still start
   */
  public record Definition(String id, RunRequest request, String cron, Duration every, String timeZone,
      Duration jitter, ScheduleOverlapPolicy overlap, Duration catchupWindow, boolean pauseOnFailure, String note,
      boolean paused) {

    public Definition {
      checkId(id);
      if ((cron == null) == (every == null)) {
        throw new ScheduleFailure("give exactly one of --cron and --every");
      }
      if (every != null && (every.isNegative() || every.isZero())) {
        throw new ScheduleFailure("--every must be longer than 0s");
      }
      if (request.runId() != null) {
        throw new IllegalArgumentException("a scheduled request has no run id: the workflow derives it from its id");
      }
    }
  }

  /** Schedule names become workflow ids and URL path segments, so only a safe alphabet is accepted. */
  public static String checkId(String id) {
    if (id == null || !ID.matcher(id).matches()) {
      throw new ScheduleFailure("invalid schedule name '" + id + "': use 1 to 100 letters, digits, '-' or '_'");
    }
    return id;
  }

  /** The workflow id the server extends with each run's nominal time ({@code -2025-01-02T03:00:00Z}). */
  public static String workflowIdPrefix(String id) {
    return PretrainingRunWorkflow.workflowId("sched-" + id);
  }

  /** Temporal Web UI page of a schedule, under the same UI base as the workflow links. */
  public static String scheduleUrl(String uiBase, String namespace, String id) {
    return uiBase + "/namespaces/" + namespace + "/schedules/" + id;
  }

  static Schedule toSchedule(Definition d) {
    ScheduleSpec.Builder spec = ScheduleSpec.newBuilder();
    if (d.cron() != null) {
      spec.setCronExpressions(List.of(d.cron()));
    } else {
      spec.setIntervals(List.of(new ScheduleIntervalSpec(d.every())));
    }
    if (d.timeZone() != null) {
      spec.setTimeZoneName(d.timeZone());
    }
    if (d.jitter() != null && !d.jitter().isZero()) {
      spec.setJitter(d.jitter());
    }
    WorkflowOptions options = WorkflowOptions.newBuilder()
        .setWorkflowId(workflowIdPrefix(d.id()))
        .setTaskQueue(PretrainingRunWorkflow.TASK_QUEUE)
        .setTypedSearchAttributes(SearchAttributes.newBuilder()
            .set(PipelineSearchAttributes.RECIPE, d.request().recipe()).build())
        .setMemo(Map.of(MEMO_SCHEDULE, d.id()))
        .build();
    ScheduleState.Builder state = ScheduleState.newBuilder().setPaused(d.paused());
    if (d.note() != null) {
      state.setNote(d.note());
    }
    return Schedule.newBuilder()
        .setAction(ScheduleActionStartWorkflow.newBuilder()
            .setWorkflowType(PretrainingRunWorkflow.class)
            .setOptions(options)
            .setArguments(d.request())
            .build())
        .setSpec(spec.build())
        .setPolicy(SchedulePolicy.newBuilder()
            .setOverlap(d.overlap())
            .setCatchupWindow(d.catchupWindow())
            .setPauseOnFailure(d.pauseOnFailure())
            .build())
        .setState(state.build())
        .build();
  }

  static ScheduleOptions toOptions(Definition d) {
    Map<String, Object> memo = new LinkedHashMap<>();
    memo.put(MEMO_RECIPE, d.request().recipe());
    if (d.cron() != null) {
      // The server keeps a cron expression only as a structured calendar; keep the text for display.
      memo.put(MEMO_CRON, d.cron());
    }
    return ScheduleOptions.newBuilder().setMemo(memo).build();
  }

  /**
   * Fails unless this server has Schedules and no schedule {@code id} exists. Asked before anything
   * else is set up, so that an unsuitable server is reported first.
   */
  public void requireAbsent(String id) {
    try {
      client.getHandle(id).describe();
    } catch (RuntimeException e) {
      StatusRuntimeException s = grpcStatus(e);
      if (s != null && s.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return;
      }
      throw failure(e, id);
    }
    throw alreadyExists(id, namespace);
  }

  public void create(Definition d) {
    call(d.id(), () -> client.createSchedule(d.id(), toSchedule(d), toOptions(d)));
  }

  public ScheduleDescription describe(String id) {
    return call(id, () -> client.getHandle(checkId(id)).describe());
  }

  public List<ScheduleListDescription> list() {
    return call(null, () -> client.listSchedules().toList());
  }

  /**
   * Ids of the schedule's runs that are still running, from visibility (eventually consistent). The
   * schedule's own list of running workflows omits runs it does not watch (seen on server 1.31: those
   * started under overlap allow-all, e.g. a backfill). Empty if visibility cannot answer.
   */
  public List<String> runningWorkflowIds(String id, int limit) {
    String query = "TemporalScheduledById = '" + checkId(id) + "' AND ExecutionStatus = 'Running'";
    try (Stream<WorkflowExecutionMetadata> runs = workflows.listExecutions(query)) {
      return runs.limit(limit).map(m -> m.getExecution().getWorkflowId()).sorted().toList();
    } catch (RuntimeException e) {
      return List.of();
    }
  }

  public void pause(String id, String note) {
    run(id, () -> client.getHandle(checkId(id)).pause(note));
  }

  public void unpause(String id, String note) {
    run(id, () -> client.getHandle(checkId(id)).unpause(note));
  }

  /** Starts one action now; {@code overlap} null means the schedule's own policy. */
  public void trigger(String id, ScheduleOverlapPolicy overlap) {
    run(id, () -> client.getHandle(checkId(id)).trigger(
        overlap == null ? ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED : overlap));
  }

  /** Takes the actions the spec had between {@code from} and {@code to}; {@code overlap} null means the schedule's. */
  public void backfill(String id, Instant from, Instant to, ScheduleOverlapPolicy overlap) {
    if (!from.isBefore(to)) {
      throw new ScheduleFailure("backfill: --from (" + from + ") must be before --to (" + to + ")");
    }
    ScheduleBackfill b = overlap == null ? new ScheduleBackfill(from, to) : new ScheduleBackfill(from, to, overlap);
    run(id, () -> client.getHandle(checkId(id)).backfill(List.of(b)));
  }

  /** Deletes the schedule; runs it started keep running. */
  public void delete(String id) {
    run(id, () -> client.getHandle(checkId(id)).delete());
  }

  private void run(String id, Runnable op) {
    call(id, () -> {
      op.run();
      return null;
    });
  }

  private <T> T call(String id, Supplier<T> op) {
    try {
      return op.get();
    } catch (ScheduleFailure e) {
      throw e;
    } catch (RuntimeException e) {
      throw failure(e, id);
    }
  }

  private RuntimeException failure(RuntimeException e, String id) {
    ScheduleFailure f = explain(e, id, address, namespace);
    return f != null ? f : e;
  }

  private static ScheduleFailure alreadyExists(String id, String namespace) {
    return new ScheduleFailure("a schedule named '" + id + "' already exists in namespace " + namespace
        + " (see ./pretrain schedule describe " + id + "; delete it first to create it anew)");
  }

  /**
   * The user's view of a server error, or null if it is not one we can explain (a bug: let it show
   * with its stack trace).
   */
  public static ScheduleFailure explain(Throwable e, String id, String address, String namespace) {
    if (e instanceof ScheduleAlreadyRunningException) {
      return alreadyExists(id, namespace);
    }
    StatusRuntimeException s = grpcStatus(e);
    if (s == null) {
      return null;
    }
    String detail = s.getStatus().getDescription() == null ? "" : ": " + s.getStatus().getDescription();
    return switch (s.getStatus().getCode()) {
      case UNIMPLEMENTED -> new ScheduleFailure("this Temporal server does not support Schedules (" + address
          + " answered UNIMPLEMENTED" + detail + "; the SDK's in-process test server has none); use the Temporal CLI"
          + " dev server or a Temporal cluster");
      case NOT_FOUND -> new ScheduleFailure(id == null ? "not found" + detail
          : "no schedule named '" + id + "' in namespace " + namespace + " (see ./pretrain schedule list)");
      case ALREADY_EXISTS -> alreadyExists(id, namespace);
      case INVALID_ARGUMENT -> new ScheduleFailure("Temporal rejected "
          + (id == null ? "the request" : "schedule '" + id + "'") + detail);
      case UNAVAILABLE, DEADLINE_EXCEEDED -> new ScheduleFailure("cannot reach Temporal at " + address + " ("
          + s.getStatus().getCode() + detail + ")");
      case PERMISSION_DENIED, UNAUTHENTICATED -> new ScheduleFailure("Temporal at " + address + " refused: "
          + s.getStatus().getCode() + detail);
      default -> null;
    };
  }

  /** The gRPC status inside an SDK exception (the schedule client wraps it once or twice). */
  static StatusRuntimeException grpcStatus(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof StatusRuntimeException s) {
        return s;
      }
    }
    return null;
  }

  /** A schedule operation that failed for a reason the user can act on. */
  public static final class ScheduleFailure extends RuntimeException {
    public ScheduleFailure(String message) {
      super(message);
    }
  }
}
