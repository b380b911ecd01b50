package dev.pretrain.workflows.run;

import dev.pretrain.workflows.ArtifactRef;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

/** Writes the run's history into our database, the long-term record (Temporal keeps history for days). */
@ActivityInterface
public interface RunLedgerActivities {

  @ActivityMethod
  void runStarted(String runId, String workflowId, RunRequest request);

  @ActivityMethod
  void stepStarted(String runId, String step);

  @ActivityMethod
  void stepFinished(String runId, StepSummary summary);

  /** Checks every artifact still exists in storage with its recorded SHA-256; returns the ones that don't. */
  @ActivityMethod
  List<String> verifyArtifacts(String runId, List<ArtifactRef> artifacts);

  @ActivityMethod
  void runFinished(String runId, String status, String error);
}
