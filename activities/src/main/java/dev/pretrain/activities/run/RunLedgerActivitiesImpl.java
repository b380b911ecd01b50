package dev.pretrain.activities.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.activities.PipelineServices;
import dev.pretrain.db.runs.RunRepository;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.run.RunLedgerActivities;
import dev.pretrain.workflows.run.RunRequest;
import dev.pretrain.workflows.run.StepSummary;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

public class RunLedgerActivitiesImpl implements RunLedgerActivities {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final PipelineServices services;
  private final RunRepository runs;

  public RunLedgerActivitiesImpl(PipelineServices services) {
    this.services = services;
    this.runs = new RunRepository(services.database().jdbc());
  }

  @Override
  public void runStarted(String runId, String workflowId, RunRequest request) {
    runs.started(runId, workflowId, request.recipe(), json(request), Instant.now());
  }

  @Override
  public void stepStarted(String runId, String step) {
    runs.stepStarted(runId, step, Instant.now());
  }

  @Override
  public void stepFinished(String runId, StepSummary summary) {
    runs.stepFinished(runId, summary.step(), "completed", json(summary.counts()), summary.bytesIn(), summary.millis(),
        Instant.now());
  }

  @Override
  public List<String> verifyArtifacts(String runId, List<ArtifactRef> artifacts) {
    List<String> bad = new ArrayList<>();
    for (ArtifactRef a : artifacts) {
      Optional<ObjectStore.Stored> stored = services.store().stat(a.bucket(), a.key());
      if (stored.isEmpty()) {
        bad.add(a.uri() + ": missing");
      } else if (stored.get().sizeBytes() != a.sizeBytes()
          || !a.sha256().equals(services.store().sha256Of(a.bucket(), a.key()))) {
        bad.add(a.uri() + ": content differs from recorded SHA-256 " + a.sha256());
      }
    }
    return bad;
  }

  @Override
  public void runFinished(String runId, String status, String error) {
    runs.finished(runId, status, error, Instant.now());
  }

  private static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize " + value.getClass().getSimpleName(), e);
    }
  }
}
