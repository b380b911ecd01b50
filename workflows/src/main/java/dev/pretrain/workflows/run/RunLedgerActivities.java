package dev.pretrain.workflows.run;

import dev.pretrain.workflows.ArtifactRef;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

/** Writes the run's history into our database, the long-term record (Temporal keeps history for days). */
@ActivityInterface
public interface RunLedgerActivities {

  /**
   * Records the run (again, after a Reset: the row is updated, not duplicated).
   *
   * @param origin the schedule and nominal time that started it; null in runs recorded before it existed
   */
  @ActivityMethod
  void runStarted(String runId, String workflowId, RunRequest request, RunOrigin origin);

  @ActivityMethod
  void stepStarted(String runId, String step);

  /** Stores the step's summary; returns how many of its activities were cache hits (null in older runs). */
  @ActivityMethod
  StepRecorded stepFinished(String runId, StepSummary summary);

  /**
   * Marks the step and the run parked with the last error; returns the activity attempts the failed
   * execution made, as the workers recorded them.
   */
  @ActivityMethod
  int stepParked(String runId, String step, String error, String failureType);

  /**
   * An operator asked to run a step again (retryStep), with these overrides; {@code effective} is the
   * run's request with them applied, which becomes the run's recorded request (a rerun starts from it).
   */
  @ActivityMethod
  void stepRetryRequested(String runId, String step, RetryStepRequest request, RunRequest effective);

  /** Checks every artifact still exists in storage with its recorded SHA-256; returns the ones that don't. */
  @ActivityMethod
  List<String> verifyArtifacts(String runId, List<ArtifactRef> artifacts);

  @ActivityMethod
  void runFinished(String runId, String status, String error);
}
