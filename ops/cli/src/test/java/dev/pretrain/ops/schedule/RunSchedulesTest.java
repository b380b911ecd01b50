package dev.pretrain.ops.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pretrain.workflows.run.PipelineSearchAttributes;
import dev.pretrain.workflows.run.PretrainingRunWorkflow;
import dev.pretrain.workflows.run.RunRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleAlreadyRunningException;
import io.temporal.client.schedules.ScheduleException;
import io.temporal.client.schedules.ScheduleIntervalSpec;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The mapping of CLI options onto a Temporal Schedule, and of server errors onto messages (no server needed). */
class RunSchedulesTest {

  private static final RunRequest REQUEST = new RunRequest(null, "quick", List.of("s3://corpus/quick/"), "pretrain",
      RunRequest.IngestParams.defaults(), RunRequest.TokenizeParams.defaults());

  private static RunSchedules.Definition every(String id, Duration every) {
    return new RunSchedules.Definition(id, REQUEST, null, every, null, Duration.ofMinutes(5),
        ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE, Duration.ofDays(1), true, "why", true);
  }

  @Test
  void definitionBecomesAScheduleStartingTheRunWorkflow() {
    Schedule s = RunSchedules.toSchedule(every("nightly", Duration.ofHours(24)));
    assertEquals(List.of(new ScheduleIntervalSpec(Duration.ofHours(24))), s.getSpec().getIntervals());
    assertEquals(Duration.ofMinutes(5), s.getSpec().getJitter());
    assertEquals(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE, s.getPolicy().getOverlap());
    assertEquals(Duration.ofDays(1), s.getPolicy().getCatchupWindow());
    assertTrue(s.getPolicy().isPauseOnFailure());
    assertTrue(s.getState().isPaused());
    assertEquals("why", s.getState().getNote());
    ScheduleActionStartWorkflow a = (ScheduleActionStartWorkflow) s.getAction();
    assertEquals("PretrainingRunWorkflow", a.getWorkflowType());
    assertEquals("pretrain-sched-nightly", a.getOptions().getWorkflowId());
    assertEquals(PretrainingRunWorkflow.TASK_QUEUE, a.getOptions().getTaskQueue());
    assertEquals("quick", a.getOptions().getTypedSearchAttributes().get(PipelineSearchAttributes.RECIPE));
    assertEquals("nightly", a.getOptions().getMemo().get(RunSchedules.MEMO_SCHEDULE));
    RunRequest arg = a.getArguments().get(0, RunRequest.class);
    assertNull(arg.runId(), "the workflow derives the run id from its workflow id");
    assertEquals(REQUEST, arg);
  }

  @Test
  void cronIsKeptAsTextInTheScheduleMemo() {
    RunSchedules.Definition d = new RunSchedules.Definition("n", REQUEST, "0 2 * * *", null, "Europe/Berlin", null,
        ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP, Duration.ofDays(1), false, null, false);
    Schedule s = RunSchedules.toSchedule(d);
    assertEquals(List.of("0 2 * * *"), s.getSpec().getCronExpressions());
    assertEquals("Europe/Berlin", s.getSpec().getTimeZoneName());
    assertEquals("0 2 * * *", RunSchedules.toOptions(d).getMemo().get(RunSchedules.MEMO_CRON));
    assertEquals("quick", RunSchedules.toOptions(d).getMemo().get(RunSchedules.MEMO_RECIPE));
  }

  @Test
  void definitionsAreValidated() {
    assertThrows(RunSchedules.ScheduleFailure.class, () -> every("bad name", Duration.ofHours(1)));
    assertThrows(RunSchedules.ScheduleFailure.class, () -> every("a/b", Duration.ofHours(1)));
    assertThrows(RunSchedules.ScheduleFailure.class, () -> every("ok", Duration.ZERO));
    RunSchedules.ScheduleFailure both = assertThrows(RunSchedules.ScheduleFailure.class,
        () -> new RunSchedules.Definition("n", REQUEST, "@daily", Duration.ofHours(1), null, null,
            ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP, Duration.ofDays(1), false, null, false));
    assertTrue(both.getMessage().contains("exactly one of --cron and --every"));
    assertEquals("Nightly_run-2", RunSchedules.checkId("Nightly_run-2"));
  }

  @Test
  void serverWithoutSchedulesIsExplained() {
    // As the SDK reports the in-process test server's answer: a ScheduleException around the gRPC status.
    Throwable e = new ScheduleException(new StatusRuntimeException(Status.UNIMPLEMENTED.withDescription(
        "Method temporal.api.workflowservice.v1.WorkflowService/CreateSchedule is unimplemented")));
    RunSchedules.ScheduleFailure f = RunSchedules.explain(e, "n", "127.0.0.1:7233", "default");
    assertTrue(f.getMessage().startsWith("this Temporal server does not support Schedules (127.0.0.1:7233"),
        f.getMessage());
    assertTrue(f.getMessage().endsWith("use the Temporal CLI dev server or a Temporal cluster"), f.getMessage());
    // A bare status (as listSchedules throws it) reads the same.
    assertTrue(RunSchedules.explain(new StatusRuntimeException(Status.UNIMPLEMENTED), null, "h:1", "default")
        .getMessage().startsWith("this Temporal server does not support Schedules"));
  }

  @Test
  void notFoundAndAlreadyExistsAreExplained() {
    assertEquals("no schedule named 'gone' in namespace default (see ./pretrain schedule list)",
        RunSchedules.explain(new ScheduleException(new StatusRuntimeException(Status.NOT_FOUND)), "gone", "h:1",
            "default").getMessage());
    String exists = RunSchedules.explain(new ScheduleAlreadyRunningException(
        new StatusRuntimeException(Status.ALREADY_EXISTS)), "n", "h:1", "default").getMessage();
    assertTrue(exists.startsWith("a schedule named 'n' already exists in namespace default"), exists);
    assertTrue(RunSchedules.explain(new StatusRuntimeException(Status.INVALID_ARGUMENT.withDescription(
        "invalid cron")), "n", "h:1", "default").getMessage().contains("invalid cron"));
    assertNull(RunSchedules.explain(new IllegalStateException("bug"), "n", "h:1", "default"),
        "errors that are not the server's pass through");
  }

  @Test
  void overlapNamesMapToTemporalPolicies() {
    assertEquals(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL, Overlap.parse("allow-all").policy());
    assertEquals(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER,
        Overlap.parse("TERMINATE_OTHER").policy());
    assertEquals(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE,
        Overlap.parse("SCHEDULE_OVERLAP_POLICY_BUFFER_ONE").policy());
    assertEquals(6, Overlap.values().length);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Overlap.parse("sometimes"));
    assertTrue(e.getMessage().contains("skip, buffer-one, buffer-all, cancel-other, terminate-other, allow-all"));
    assertEquals("skip", Overlap.nameOf(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_SKIP));
  }
}
