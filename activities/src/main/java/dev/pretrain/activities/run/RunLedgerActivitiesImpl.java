package dev.pretrain.activities.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.activities.PipelineServices;
import dev.pretrain.db.audit.LineageSeal;
import dev.pretrain.db.audit.SealAnchor;
import dev.pretrain.db.cache.StepCacheRepository;
import dev.pretrain.db.runs.RunRepository;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.run.RetryStepRequest;
import dev.pretrain.workflows.run.RunLedgerActivities;
import dev.pretrain.workflows.run.RunOrigin;
import dev.pretrain.workflows.run.RunRequest;
import dev.pretrain.workflows.run.StepRecorded;
import dev.pretrain.workflows.run.StepSummary;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

public class RunLedgerActivitiesImpl implements RunLedgerActivities {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final PipelineServices services;
  private final RunRepository runs;
  private final StepCacheRepository executions;

  public RunLedgerActivitiesImpl(PipelineServices services) {
    this.services = services;
    this.runs = new RunRepository(services.database().jdbc());
    this.executions = new StepCacheRepository(services.database().jdbc());
  }

  @Override
  public void runStarted(String runId, String workflowId, RunRequest request, RunOrigin origin) {
    String scheduleId = origin == null ? null : origin.scheduleId();
    Instant nominal = origin == null || origin.scheduledTime() == null ? null : Instant.parse(origin.scheduledTime());
    runs.started(runId, workflowId, request.recipe(), json(request), Instant.now(), scheduleId, nominal);
  }

  @Override
  public void stepStarted(String runId, String step) {
    runs.stepStarted(runId, step, Instant.now());
  }

  @Override
  public StepRecorded stepFinished(String runId, StepSummary summary) {
    runs.stepFinished(runId, summary.step(), "completed", json(summary.counts()), summary.bytesIn(), summary.millis(),
        Instant.now());
    int hits = 0;
    int computed = 0;
    for (StepCacheRepository.Execution x : sinceStepStart(runId, summary.step())) {
      if (StepCacheRepository.CACHE_HIT.equals(x.outcome())) {
        hits++;
      } else if (StepCacheRepository.COMPUTED.equals(x.outcome())) {
        computed++;
      }
    }
    runs.stepCacheUse(runId, summary.step(), hits, computed);
    return new StepRecorded(hits, computed);
  }

  @Override
  public int stepParked(String runId, String step, String error, String failureType) {
    // the attempts of the execution that failed last, as the workers recorded them
    int attempts = 1;
    for (StepCacheRepository.Execution x : sinceStepStart(runId, step)) {
      if (StepCacheRepository.FAILED.equals(x.outcome())) {
        attempts = Math.max(attempts, x.attempt());
      }
    }
    runs.parked(runId, step, error, failureType, attempts, Instant.now());
    return attempts;
  }

  @Override
  public void stepRetryRequested(String runId, String step, RetryStepRequest request, RunRequest effective) {
    runs.retryRequested(runId, step, json(request.overrides()), json(effective), Instant.now());
  }

  private List<StepCacheRepository.Execution> sinceStepStart(String runId, String step) {
    Instant since = runs.step(runId, step).map(RunRepository.Step::startedAt).orElse(Instant.EPOCH);
    return executions.executions(runId, step, since);
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
    // This activity has two minutes (BOOKKEEPING); a run of 300,000 documents takes about a minute to
    // seal on a loaded machine (docs/audit.md). A seal that outlasts SEAL_WAIT goes on in the
    // background rather than time the activity out and retry it forever; one thread: one seal at a time.
    Future<?> sealing = SEALER.submit(() -> seal(runId));
    try {
      sealing.get(SEAL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      log.warn("sealing the lineage of run {} takes longer than {} s; it goes on in the background", runId,
          SEAL_WAIT.toSeconds());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while sealing run " + runId, e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    }
  }

  private static final Duration SEAL_WAIT = Duration.ofSeconds(90);
  private static final ExecutorService SEALER = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "lineage-sealer");
    t.setDaemon(true);
    return t;
  });
  private static final Logger log = LoggerFactory.getLogger(RunLedgerActivitiesImpl.class);

  /**
   * Seals the run's lineage as it ended (completed, failed or abandoned) and anchors the root in the
   * run's bucket (docs/audit.md). A run that ends again (a Reset, a retried step) is sealed again and
   * the new seal supersedes the old; a retried call finds the rows unchanged and keeps its seal.
   * A run the sovereignty policy refused, or one that ended before its bucket existed, wrote nothing
   * to storage and gets no anchor either: its seal lives in the database only (verify says so).
   */
  private void seal(String runId) {
    LineageSeal seals = new LineageSeal(services.database().dataSource());
    LineageSeal.Seal seal = seals.seal(runId, Instant.now());
    boolean refused = new dev.pretrain.db.placement.PlacementRepository(services.database().jdbc())
        .decisions(runId).stream().anyMatch(d -> dev.pretrain.db.placement.PlacementRepository.REFUSED.equals(d.decision()));
    String bucket = refused ? null : bucketOf(runId);
    if (bucket != null && !services.store().bucketExists(bucket)) {
      log.info("run {} ended before anything was stored in bucket {}: its seal is not anchored", runId, bucket);
      bucket = null;
    }
    if (seal.anchorUri() == null && bucket != null) {
      new SealAnchor(services.store(), SealAnchor.retentionFromEnv(System.getenv()))
          .write(bucket, seal, seals.seals(runId), seals);
    }
  }

  /** The bucket the run's data went to: the policy's placement when there is one, else the request's. */
  private String bucketOf(String runId) {
    java.util.Optional<String> placed = new dev.pretrain.db.placement.PlacementRepository(services.database().jdbc())
        .placedBucket(runId);
    if (placed.isPresent()) {
      return placed.get();
    }
    return runs.find(runId).map(RunRepository.Run::requestJson).map(j -> {
      try {
        String b = JSON.readTree(j).path("bucket").asText(null);
        return b == null || b.isBlank() ? null : b;
      } catch (JsonProcessingException e) {
        return null;
      }
    }).orElse(null);
  }

  private static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize " + value.getClass().getSimpleName(), e);
    }
  }
}
