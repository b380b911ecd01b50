package dev.pretrain.workflows.run;

import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.StepFailures;
import dev.pretrain.workflows.StepNames;
import dev.pretrain.workflows.dedup.DedupActivities;
import dev.pretrain.workflows.dedup.DedupParams;
import dev.pretrain.workflows.evaluate.EvaluateActivities;
import dev.pretrain.workflows.ingest.IngestActivities;
import dev.pretrain.workflows.ingest.IngestPartition;
import dev.pretrain.workflows.quantize.QuantizeActivities;
import dev.pretrain.workflows.export.ExportActivities;
import dev.pretrain.workflows.tokenize.TokenizeActivities;
import dev.pretrain.workflows.train.TrainActivities;
import dev.pretrain.workflows.train.TrainParams;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * Deterministic orchestration of one run. All I/O happens in activities; this class only passes
 * artifact references and counts from one step to the next. Batch steps fan out one activity per
 * partition, so any worker on the task queue can take a partition and a failed one is redone alone.
 * The model steps (train, evaluate, quantize) go to {@link PretrainingRunWorkflow#TRAIN_TASK_QUEUE},
 * which workers serve one activity at a time.
 */
public class PretrainingRunWorkflowImpl implements PretrainingRunWorkflow {

  private static final Logger log = Workflow.getLogger(PretrainingRunWorkflowImpl.class);

  // The bound of the longest-retried failure class, infrastructure (about ten minutes): the worker
  // makes other failures non-retryable sooner (see StepFailures). A dead worker, noticed by the
  // heartbeat timeout, counts as infrastructure too.
  private static final RetryOptions STEP_RETRY = RetryOptions.newBuilder()
      .setInitialInterval(StepFailures.FIRST_RETRY_INTERVAL)
      .setBackoffCoefficient(2.0)
      .setMaximumInterval(StepFailures.MAX_RETRY_INTERVAL)
      .setMaximumAttempts(StepFailures.INFRASTRUCTURE_ATTEMPTS)
      .setDoNotRetry(StepFailures.nonRetryable())
      .build();

  private static final ActivityOptions BATCH_STEP = ActivityOptions.newBuilder()
      .setStartToCloseTimeout(Duration.ofHours(2))
      .setHeartbeatTimeout(Duration.ofSeconds(30))
      .setRetryOptions(STEP_RETRY)
      .build();

  // Training runs for hours; a dead worker is noticed within a minute and the retry resumes from the
  // newest checkpoint, so retries are cheap.
  private static final ActivityOptions TRAIN_STEP = ActivityOptions.newBuilder()
      .setTaskQueue(PretrainingRunWorkflow.TRAIN_TASK_QUEUE)
      .setStartToCloseTimeout(Duration.ofHours(24))
      .setHeartbeatTimeout(Duration.ofSeconds(60))
      .setRetryOptions(STEP_RETRY)
      .build();

  private static final ActivityOptions MODEL_STEP = ActivityOptions.newBuilder()
      .setTaskQueue(PretrainingRunWorkflow.TRAIN_TASK_QUEUE)
      .setStartToCloseTimeout(Duration.ofHours(2))
      .setHeartbeatTimeout(Duration.ofSeconds(60))
      .setRetryOptions(STEP_RETRY)
      .build();

  // The ledger and routing only record and look up, and the run cannot go on without them: they retry
  // without limit (a database outage of any length is ridden through); the worker's per-class limits
  // apply to step activities only.
  private static final ActivityOptions BOOKKEEPING = ActivityOptions.newBuilder()
      .setStartToCloseTimeout(Duration.ofMinutes(2))
      .setRetryOptions(RetryOptions.newBuilder().setMaximumInterval(StepFailures.MAX_RETRY_INTERVAL).build())
      .build();

  // reassigned when the sovereignty policy places the run in a region (its data-step queue)
  private IngestActivities ingest = Workflow.newActivityStub(IngestActivities.class, BATCH_STEP);
  private DedupActivities dedup = Workflow.newActivityStub(DedupActivities.class, BATCH_STEP);
  private TokenizeActivities tokenize = Workflow.newActivityStub(TokenizeActivities.class, BATCH_STEP);
  private final RunLedgerActivities ledger = Workflow.newActivityStub(RunLedgerActivities.class, BOOKKEEPING);
  private final RoutingActivities routing = Workflow.newActivityStub(RoutingActivities.class, BOOKKEEPING);
  // reassigned once the run knows which model queue (CPU or GPU) is served
  private TrainActivities train = Workflow.newActivityStub(TrainActivities.class, TRAIN_STEP);
  private EvaluateActivities evaluate = Workflow.newActivityStub(EvaluateActivities.class, MODEL_STEP);
  private QuantizeActivities quantize = Workflow.newActivityStub(QuantizeActivities.class, MODEL_STEP);
  private ExportActivities export = Workflow.newActivityStub(ExportActivities.class, MODEL_STEP);

  private String runId;
  private RunRequest request;
  private RunOrigin origin;
  private String status = "starting";
  private String currentStep;
  private int partitionsDone;
  private int partitionsTotal;
  // Steps of this run in order; the model steps join once the version check after tokenize allows.
  private final List<String> order = new ArrayList<>(List.of(StepNames.INGEST, StepNames.DEDUP, StepNames.TOKENIZE));
  private final Map<String, StepSummary> finished = new LinkedHashMap<>();
  private final Map<String, List<ArtifactRef>> outputs = new LinkedHashMap<>();
  private final List<ArtifactRef> trainShards = new ArrayList<>();
  private final List<ArtifactRef> valShards = new ArrayList<>();
  // the run's own tokenizer.json once the tokenizer step ran (null: GPT-2's r50k)
  private ArtifactRef tokenizer;
  private EvaluateActivities.EvaluateResult initialEval;
  private EvaluateActivities.EvaluateResult finalEval;
  private TrainActivities.TrainResult trained;
  private ParkedStep parked;
  private RetryStepRequest pendingRetry;
  private String abandonReason;
  private Placement placement;

  @Override
  public RunSummary run(RunRequest input) {
    String workflowId = Workflow.getInfo().getWorkflowId();
    // A Temporal Schedule starts every run with the same request: its run id comes from the workflow
    // id, to which the schedule appends the nominal time.
    runId = input.runId() == null || input.runId().isBlank() ? runIdOf(workflowId) : input.runId();
    request = input.withRunId(runId);
    if (request.until() != null && !StepNames.ALL.contains(request.until())) {
      throw ApplicationFailure.newNonRetryableFailure("until: unknown step '" + request.until() + "'; steps: "
          + String.join(", ", StepNames.ALL), StepFailures.BAD_PARAMETER);
    }
    origin = originOf();
    ledger.runStarted(runId, workflowId, request, origin);
    status = "running";
    Workflow.upsertTypedSearchAttributes(
        PipelineSearchAttributes.STATUS.valueSet(status), PipelineSearchAttributes.RECIPE.valueSet(request.recipe()));
    // Runs recorded before the sovereignty policy used the default queues and bucket without asking.
    if (Workflow.getVersion("placement-policy", Workflow.DEFAULT_VERSION, 1) >= 1) {
      placement = routing.plan(request);
      if (placement.hasRefusal()) {
        refuse(placement.refusal()); // before any step: no data has moved
      }
      place(placement);
    }
    // A run that trains its own vocabulary does it between dedup and tokenize.
    if (request.tokenize().trainsTokenizer()
        && Workflow.getVersion("own-tokenizer", Workflow.DEFAULT_VERSION, 1) >= 1) {
      order.add(order.indexOf(StepNames.TOKENIZE), StepNames.TOKENIZER);
    }
    boolean modelStepsDecided = false;
    int next = 0;
    while (true) {
      if (!modelStepsDecided && next == order.size()) {
        modelStepsDecided = true;
        // Runs recorded before the model steps existed end here; the version marker keeps them replayable.
        if (Workflow.getVersion("train-evaluate-quantize", Workflow.DEFAULT_VERSION, 1) >= 1) {
          order.addAll(List.of(StepNames.TRAIN, StepNames.EVALUATE, StepNames.QUANTIZE));
          // A model over the run's own vocabulary leaves the pipeline as GGUF (the tokenizer goes inside).
          if (tokenizerStepPlanned() && Workflow.getVersion("gguf-export", Workflow.DEFAULT_VERSION, 1) >= 1) {
            order.add(StepNames.EXPORT);
          }
          // Runs recorded before GPU routing used the CPU model queue without asking.
          if (Workflow.getVersion("model-task-queue", Workflow.DEFAULT_VERSION, 1) >= 1) {
            routeModelSteps(placement != null && placement.modelTaskQueue() != null
                ? placement.modelTaskQueue() : routing.modelTaskQueue());
          }
        }
      }
      if (next >= order.size()) {
        break;
      }
      String name = order.get(next);
      try {
        runStep(name);
        next++;
        if (name.equals(request.until())) {
          break; // a data-only run: the steps after it are not wanted
        }
      } catch (ActivityFailure | ApplicationFailure e) {
        // Runs recorded before parking existed failed here; keep them replayable.
        if (Workflow.getVersion("park-on-failure", Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
          status = "failed";
          currentStep = null;
          Workflow.upsertTypedSearchAttributes(PipelineSearchAttributes.STATUS.valueSet(status));
          ledger.runFinished(runId, status, rootMessage(e));
          throw e;
        }
        Integer resumeAt = parkUntilRetried(name, e);
        if (resumeAt == null) {
          return new RunSummary(runId, status, List.copyOf(finished.values()));
        }
        next = resumeAt;
      }
    }
    status = "completed";
    currentStep = null;
    Workflow.upsertTypedSearchAttributes(
        PipelineSearchAttributes.STATUS.valueSet(status), PipelineSearchAttributes.STEP.valueUnset());
    ledger.runFinished(runId, status, null);
    return new RunSummary(runId, status, List.copyOf(finished.values()));
  }

  @Override
  public RunProgress progress() {
    return new RunProgress(runId, status, currentStep, partitionsDone, partitionsTotal,
        List.copyOf(finished.values()), parked, origin);
  }

  @Override
  public void validateRetryStep(RetryStepRequest retry) {
    if (parked == null) {
      throw new IllegalStateException("run " + runId + " is " + status + ", not parked; retryStep applies to a parked run");
    }
    if (pendingRetry != null || abandonReason != null) {
      throw new IllegalStateException("run " + runId + " already has a retry or abandon request being handled");
    }
    String target = targetOf(retry);
    if (!StepNames.ALL.contains(target)) {
      throw new IllegalArgumentException("unknown step '" + target + "'; steps: " + String.join(", ", StepNames.ALL));
    }
    int index = order.indexOf(target);
    if (index < 0 || index > order.indexOf(parked.step())) {
      throw new IllegalArgumentException("step " + target + " has not run yet; retry the parked step "
          + parked.step() + " or a step before it");
    }
    StepOverrides.apply(request, target, retry == null ? Map.of() : retry.overrides());
  }

  @Override
  public String retryStep(RetryStepRequest retry) {
    String target = targetOf(retry);
    pendingRetry = retry == null ? new RetryStepRequest(target, Map.of()) : retry;
    status = "retrying";
    Map<String, Object> set = pendingRetry.overrides();
    return "run " + runId + ": running " + target + " again" + (set.isEmpty() ? "" : " with " + set)
        + ", then the steps after it";
  }

  @Override
  public void validateAbandon(AbandonRequest abandon) {
    if (parked == null) {
      throw new IllegalStateException("run " + runId + " is " + status + ", not parked; only a parked run is abandoned");
    }
    if (pendingRetry != null || abandonReason != null) {
      throw new IllegalStateException("run " + runId + " already has a retry or abandon request being handled");
    }
  }

  @Override
  public String abandon(AbandonRequest abandon) {
    String reason = abandon == null || abandon.reason() == null || abandon.reason().isBlank()
        ? "abandoned by an operator" : abandon.reason().strip();
    abandonReason = reason;
    status = "abandoning";
    return "run " + runId + " abandoned: " + reason;
  }

  private String targetOf(RetryStepRequest retry) {
    return retry == null || retry.step() == null || retry.step().isBlank() ? parked.step() : retry.step().strip();
  }

  /**
   * Parks the run at a step that exhausted its retries: status and error go to the search
   * attributes, the query and our database, then the run waits for an operator. Returns the index of
   * the step to run next, or null when the run was abandoned.
   */
  private Integer parkUntilRetried(String step, RuntimeException failure) {
    String error = rootMessage(failure);
    String type = failureType(failure);
    currentStep = step;
    int attempts = ledger.stepParked(runId, step, error, type);
    parked = new ParkedStep(step, attempts, error, type, Instant.ofEpochMilli(Workflow.currentTimeMillis()).toString());
    status = "parked";
    Workflow.upsertTypedSearchAttributes(
        PipelineSearchAttributes.STATUS.valueSet(status),
        PipelineSearchAttributes.STEP.valueSet(step),
        PipelineSearchAttributes.ERROR.valueSet(truncate(step + ": " + error)),
        PipelineSearchAttributes.ATTEMPTS.valueSet((long) attempts));
    log.warn("run {} parked at {} after {} attempt(s): {}", runId, step, attempts, error);
    Workflow.await(() -> pendingRetry != null || abandonReason != null);
    if (abandonReason != null) {
      status = "abandoned";
      currentStep = null;
      parked = null;
      Workflow.upsertTypedSearchAttributes(PipelineSearchAttributes.STATUS.valueSet(status));
      ledger.runFinished(runId, status, abandonReason);
      return null;
    }
    RetryStepRequest retry = pendingRetry;
    String target = targetOf(retry);
    request = StepOverrides.apply(request, target, retry.overrides());
    ledger.stepRetryRequested(runId, target, retry, request);
    int index = order.indexOf(target);
    for (String later : order.subList(index, order.size())) {
      finished.remove(later);
      outputs.remove(later);
    }
    pendingRetry = null;
    parked = null;
    status = "running";
    Workflow.upsertTypedSearchAttributes(
        PipelineSearchAttributes.STATUS.valueSet(status),
        PipelineSearchAttributes.ERROR.valueUnset(),
        PipelineSearchAttributes.ATTEMPTS.valueUnset());
    return index;
  }

  /** Ends the run as refused by the policy: recorded in our database, failed with PolicyViolation. */
  private void refuse(String reason) {
    status = "refused";
    currentStep = null;
    Workflow.upsertTypedSearchAttributes(
        PipelineSearchAttributes.STATUS.valueSet(status), PipelineSearchAttributes.ERROR.valueSet(truncate(reason)));
    ledger.runFinished(runId, status, reason);
    log.warn("run {} refused by the sovereignty policy: {}", runId, reason);
    throw ApplicationFailure.newNonRetryableFailure(reason, StepFailures.POLICY_VIOLATION);
  }

  /** Sends the data steps to the placement's queue and every artifact to its bucket. */
  private void place(Placement p) {
    if (p.dataTaskQueue() != null) {
      ActivityOptions data = BATCH_STEP.toBuilder().setTaskQueue(p.dataTaskQueue()).build();
      ingest = Workflow.newActivityStub(IngestActivities.class, data);
      dedup = Workflow.newActivityStub(DedupActivities.class, data);
      tokenize = Workflow.newActivityStub(TokenizeActivities.class, data);
    }
    if (p.bucket() != null) {
      request = request.withBucket(p.bucket());
    }
    if (p.region() != null) {
      log.info("run {} placed in region {}: data steps on {}, model steps on {}, bucket {}", runId, p.region(),
          p.dataTaskQueue(), p.modelTaskQueue(), request.bucket());
    }
  }

  private void routeModelSteps(String queue) {
    train = Workflow.newActivityStub(TrainActivities.class, TRAIN_STEP.toBuilder().setTaskQueue(queue).build());
    evaluate = Workflow.newActivityStub(EvaluateActivities.class, MODEL_STEP.toBuilder().setTaskQueue(queue).build());
    quantize = Workflow.newActivityStub(QuantizeActivities.class, MODEL_STEP.toBuilder().setTaskQueue(queue).build());
    export = Workflow.newActivityStub(ExportActivities.class, MODEL_STEP.toBuilder().setTaskQueue(queue).build());
    log.info("run {}: model steps on task queue {}", runId, queue);
  }

  private void runStep(String name) {
    switch (name) {
      case StepNames.INGEST -> step(name, () -> runIngest(request));
      case StepNames.DEDUP -> step(name, () -> runDedup(request, outputs.get(StepNames.INGEST)));
      case StepNames.TOKENIZER -> step(name, () -> runTokenizer(request, outputs.get(StepNames.DEDUP)));
      case StepNames.TOKENIZE -> step(name, () -> runTokenize(request, outputs.get(StepNames.DEDUP)));
      case StepNames.TRAIN -> step(name, () -> runTrain(request, request.trainOrDefaults()));
      case StepNames.EVALUATE -> step(name, () -> runEvaluate(request, request.trainOrDefaults()));
      case StepNames.QUANTIZE -> step(name, () -> runQuantize(request, request.trainOrDefaults()));
      case StepNames.EXPORT -> step(name, () -> runExport(request));
      default -> throw new IllegalStateException("no step " + name);
    }
  }

  /** Result of one step body: what it produced and the summary to record. */
  private record StepOutcome(List<ArtifactRef> outputs, Map<String, Long> counts, long bytesIn,
      Map<String, Double> figures) {
    StepOutcome(List<ArtifactRef> outputs, Map<String, Long> counts, long bytesIn) {
      this(outputs, counts, bytesIn, Map.of());
    }
  }

  private void step(String name, Supplier<StepOutcome> body) {
    currentStep = name;
    partitionsDone = 0;
    partitionsTotal = 0;
    Workflow.upsertTypedSearchAttributes(PipelineSearchAttributes.STEP.valueSet(name));
    ledger.stepStarted(runId, name);
    long start = Workflow.currentTimeMillis();
    StepOutcome outcome = body.get();
    StepSummary summary = new StepSummary(name, outcome.counts(), outcome.bytesIn(),
        Workflow.currentTimeMillis() - start, outcome.outputs(), outcome.figures());
    StepRecorded recorded = ledger.stepFinished(runId, summary);
    if (recorded != null) {
      summary = summary.withCacheUse(recorded.cacheHits(), recorded.computed());
    }
    finished.put(name, summary);
    outputs.put(name, outcome.outputs());
    log.info("run {} step {} done: {} {}{}", runId, name, outcome.counts(), outcome.figures(),
        summary.cacheHits() > 0 ? " (" + summary.cacheHits() + " cache hit(s))" : "");
  }

  private StepOutcome runIngest(RunRequest request) {
    RunRequest.IngestParams p = request.ingest();
    List<IngestPartition> partitions =
        ingest.planIngest(new IngestActivities.PlanRequest(runId, request.inputs(), p.targetPartitionBytes()));
    if (partitions.isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure("no input files under " + request.inputs(),
          StepFailures.BAD_INPUT);
    }
    List<IngestActivities.PartitionResult> results = fanOut(partitions, part -> ingest.ingestPartition(
        new IngestActivities.PartitionRequest(runId, request.bucket(), part, p.shardTargetBytes(), p.defaultJurisdiction(),
            p.quarantineUnknownLicense(), p.curate(), placement == null ? null : placement.jurisdictions())));
    long in = 0, kept = 0, rejected = 0, quarantined = 0, filtered = 0, redacted = 0, bytes = 0;
    List<ArtifactRef> shards = new ArrayList<>();
    for (IngestActivities.PartitionResult r : results) {
      in += r.recordsIn();
      kept += r.kept();
      rejected += r.rejected();
      quarantined += r.quarantined();
      filtered += r.filtered();
      redacted += r.redacted();
      bytes += r.bytesIn();
      shards.addAll(r.documentShards());
    }
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("partitions", (long) partitions.size());
    counts.put("records_in", in);
    counts.put("kept", kept);
    counts.put("rejected", rejected);
    counts.put("quarantined", quarantined);
    if (p.curate() != null) { // only runs with curation report its counts (older histories replay unchanged)
      counts.put("filtered", filtered);
      counts.put("pii_redacted", redacted);
    }
    counts.put("shards", (long) shards.size());
    return new StepOutcome(shards, counts, bytes);
  }

  private StepOutcome runDedup(RunRequest request, List<ArtifactRef> documents) {
    // Runs recorded before partitioned dedup replay the one-activity exact dedup they used.
    if (Workflow.getVersion("partitioned-dedup", Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
      return runExactDedup(request, documents);
    }
    DedupParams p = request.dedupOrDefaults();
    List<String> heldOut = request.tokenize().heldOutSources() == null ? List.of() : request.tokenize().heldOutSources();
    int shards = documents.size();
    if (shards == 0) {
      return new StepOutcome(List.of(), Map.of("documents_in", 0L, "kept", 0L, "duplicates", 0L), 0);
    }
    int partitions = p.partitions();
    int groups = Math.max(1, Math.min(partitions, shards));
    // 1. per input shard: digests and band buckets, routed into P partitions
    List<Integer> shardIndexes = range(shards);
    List<DedupActivities.HashResult> hashed = fanOut(shardIndexes, i -> dedup.hashShard(
        new DedupActivities.HashRequest(runId, request.bucket(), i, documents.get(i), p,
            request.tokenize().decontaminatingSources(), false)));
    // a recurring run's index: what earlier runs kept ranks first, and is never dropped
    DedupActivities.IndexSnapshot index = p.index() == null ? null : dedup.indexSnapshot(
        new DedupActivities.IndexSnapshotRequest(runId, request.bucket(), p.index(), shards, p));
    List<ArtifactRef> textShards = new ArrayList<>(documents);
    if (index != null) {
      textShards.addAll(index.shards());
    }
    // 2. exact copies per partition; 3-5. near-duplicates: buckets -> pairs -> checked edges -> components
    List<DedupActivities.StageResult> exact = fanOut(range(partitions), q -> dedup.exactPartition(
        new DedupActivities.StageRequest(runId, request.bucket(), q, column(hashed, q, true), shards, p,
            index == null ? List.of() : index.exact().get(q))));
    Map<String, Long> counts = new LinkedHashMap<>();
    List<List<ArtifactRef>> dropsByGroup = new ArrayList<>();
    for (int g = 0; g < groups; g++) {
      dropsByGroup.add(new ArrayList<>());
    }
    for (DedupActivities.StageResult r : exact) {
      addByGroup(dropsByGroup, r.files());
    }
    long candidatePairs = 0, falsePositives = 0;
    ArtifactRef redirects = null;
    if (p.fuzzy()) {
      List<DedupActivities.StageResult> buckets = fanOut(range(partitions), q -> dedup.bucketPartition(
          new DedupActivities.StageRequest(runId, request.bucket(), q, column(hashed, q, false), shards, p,
              index == null ? List.of() : index.bands().get(q))));
      List<DedupActivities.StageResult> verified = fanOut(range(partitions), r -> {
        List<ArtifactRef> pairFiles = new ArrayList<>();
        for (DedupActivities.StageResult b : buckets) {
          pairFiles.add(b.files().get(r));
        }
        return dedup.verifyPartition(
            new DedupActivities.VerifyRequest(runId, request.bucket(), r, pairFiles, textShards, p));
      });
      List<ArtifactRef> edges = new ArrayList<>();
      for (DedupActivities.StageResult v : verified) {
        edges.addAll(v.files());
        candidatePairs += v.counts().getOrDefault("distinct_pairs", 0L);
        falsePositives += v.counts().getOrDefault("false_positives", 0L);
      }
      partitionsTotal = 1;
      partitionsDone = 0;
      DedupActivities.StageResult components = dedup.components(
          new DedupActivities.ComponentsRequest(runId, request.bucket(), edges, textShards, shards, p));
      partitionsDone = 1;
      addByGroup(dropsByGroup, components.files().subList(0, groups));
      redirects = components.files().get(groups);
    }
    ArtifactRef decontamination = null;
    List<ArtifactRef> heldOutFiles = new ArrayList<>();
    for (DedupActivities.HashResult h : hashed) {
      if (h.heldOut() != null) {
        heldOutFiles.add(h.heldOut());
      }
    }
    if (p.decontaminationNgram() > 0 && !heldOutFiles.isEmpty()) {
      DedupActivities.StageResult built = dedup.decontaminationIndex(
          new DedupActivities.IndexRequest(runId, request.bucket(), heldOutFiles, p));
      decontamination = built.files().isEmpty() ? null : built.files().get(0);
    }
    // 6. per group of input shards: write what is kept, record every drop
    final ArtifactRef decontaminationIndex = decontamination;
    final ArtifactRef redirected = redirects;
    List<DedupActivities.FilterResult> filtered = fanOut(range(groups), g -> {
      int first = firstShardOf(g, shards, groups);
      int end = firstShardOf(g + 1, shards, groups);
      return dedup.filterGroup(new DedupActivities.FilterRequest(runId, request.bucket(), g, first,
          documents.subList(first, end), dropsByGroup.get(g), redirected, decontaminationIndex, heldOut, p,
          request.tokenize().driftSources()));
    });
    long in = 0, kept = 0, duplicates = 0, bytes = 0;
    Map<String, Long> byKind = new java.util.TreeMap<>();
    List<ArtifactRef> outputs = new ArrayList<>();
    for (DedupActivities.FilterResult r : filtered) {
      in += r.documentsIn();
      kept += r.kept();
      duplicates += r.duplicates();
      bytes += r.bytesIn();
      outputs.addAll(r.keptShards());
      r.byKind().forEach((k, n) -> byKind.merge(k, n, Long::sum));
    }
    Map<String, Double> figures = new LinkedHashMap<>();
    if (index != null) {
      // what this run kept joins the index: its kept shards hashed again (their own offsets), then a new version
      List<DedupActivities.HashResult> keptHashed = fanOut(range(outputs.size()), i -> dedup.hashShard(
          new DedupActivities.HashRequest(runId, request.bucket(), i, outputs.get(i), p, List.of(), true)));
      List<List<ArtifactRef>> exactByPartition = new ArrayList<>();
      List<List<ArtifactRef>> bandsByPartition = new ArrayList<>();
      for (int q = 0; q < partitions; q++) {
        exactByPartition.add(column(keptHashed, q, true));
        bandsByPartition.add(p.fuzzy() ? column(keptHashed, q, false) : List.of());
      }
      DedupActivities.StageResult updated = dedup.updateIndex(new DedupActivities.UpdateIndexRequest(runId,
          request.bucket(), p.index(), index.version(), outputs, exactByPartition, bandsByPartition, p));
      figures.put("index_version_read", (double) index.version());
      figures.put("index_version_written", (double) updated.counts().getOrDefault("version", 0L));
      counts.put("index_runs_before", (long) index.runs().size());
    }
    counts.put("documents_in", in);
    counts.put("kept", kept);
    counts.put("duplicates", duplicates);
    counts.put("exact_duplicates", byKind.getOrDefault("exact", 0L));
    counts.put("near_duplicates", byKind.getOrDefault("fuzzy", 0L));
    counts.put("contaminated", byKind.getOrDefault("contaminated", 0L));
    counts.put("candidate_pairs", candidatePairs);
    counts.put("lsh_false_positives", falsePositives);
    counts.put("partitions", (long) partitions);
    if (p.fuzzy()) {
      figures.put("threshold", p.threshold());
      figures.put("bands", (double) p.bands());
      figures.put("rows", (double) p.rows());
      figures.put("exact_check", p.check() ? 1.0 : 0.0);
    }
    if (decontaminationIndex != null) {
      figures.put("decontamination_ngram", (double) p.decontaminationNgram());
      figures.put("decontamination_min_overlap", (double) p.decontaminationMinOverlap());
    }
    return new StepOutcome(outputs, counts, bytes, figures);
  }

  private static List<Integer> range(int n) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(i);
    }
    return out;
  }

  /** Partition q's entry file from every shard: exact digests or band buckets. */
  private static List<ArtifactRef> column(List<DedupActivities.HashResult> hashed, int q, boolean exact) {
    List<ArtifactRef> out = new ArrayList<>();
    for (DedupActivities.HashResult h : hashed) {
      out.add(exact ? h.exactFiles().get(q) : h.bandFiles().get(q));
    }
    return out;
  }

  private static void addByGroup(List<List<ArtifactRef>> byGroup, List<ArtifactRef> files) {
    for (int g = 0; g < files.size(); g++) {
      byGroup.get(g).add(files.get(g));
    }
  }

  /** Filter groups are contiguous: group g starts at the first shard s with s * groups / shards == g. */
  static int firstShardOf(int group, int shards, int groups) {
    return (int) (((long) group * shards + groups - 1) / groups);
  }

  private StepOutcome runExactDedup(RunRequest request, List<ArtifactRef> documents) {
    partitionsTotal = 1;
    DedupActivities.DedupResult r = dedup.dedup(new DedupActivities.DedupRequest(runId, request.bucket(), documents));
    partitionsDone = 1;
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("documents_in", r.documentsIn());
    counts.put("kept", r.kept());
    counts.put("duplicates", r.duplicates());
    return new StepOutcome(r.keptShards(), counts, r.bytesIn());
  }

  /** Trains the run's own vocabulary on a sample of the kept documents; tokenize then encodes with it. */
  private StepOutcome runTokenizer(RunRequest request, List<ArtifactRef> documents) {
    RunRequest.TokenizeParams p = request.tokenize();
    int modelVocab = request.trainOrDefaults().vocabSize();
    if (request.until() == null || StepNames.ALL.indexOf(request.until()) > StepNames.ALL.indexOf(StepNames.TOKENIZE)) {
      if (modelVocab < p.vocabSizeOrDefault()) {
        throw ApplicationFailure.newNonRetryableFailure("train.vocabSize " + modelVocab + " is smaller than"
            + " tokenize.vocabSize " + p.vocabSizeOrDefault() + ": the model could not embed every token",
            StepFailures.BAD_PARAMETER);
      }
    }
    TokenizeActivities.TokenizerResult r = tokenize.trainTokenizer(new TokenizeActivities.TokenizerRequest(runId,
        request.bucket(), documents, p.vocabSizeOrDefault(), p.sampleBytesOrDefault(), p.seedOrDefault(),
        p.minFrequency(), p.valFraction(), p.heldOutSources()));
    tokenizer = r.tokenizer();
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("vocab_size", (long) r.vocabSize());
    counts.put("merges", (long) r.merges());
    counts.put("sample_documents", r.sampleDocuments());
    counts.put("sample_bytes", r.sampleBytes());
    counts.put("candidate_documents", r.candidates());
    counts.put("held_out_documents", r.heldOut());
    Map<String, Double> figures = new LinkedHashMap<>();
    figures.put("train_seconds", r.trainMillis() / 1000.0);
    return new StepOutcome(List.of(r.tokenizer(), r.sample(), r.card()), counts, r.bytesIn(), figures);
  }

  private StepOutcome runTokenize(RunRequest request, List<ArtifactRef> documents) {
    RunRequest.TokenizeParams p = request.tokenize();
    trainShards.clear();
    valShards.clear();
    List<Integer> indexes = new ArrayList<>();
    for (int i = 0; i < documents.size(); i++) {
      indexes.add(i);
    }
    List<TokenizeActivities.TokenizeResult> results = fanOut(indexes, i -> tokenize.tokenizeShard(
        new TokenizeActivities.TokenizeRequest(runId, request.bucket(), i, documents.get(i), p.encoding(),
            p.valFraction(), p.heldOutSources(), tokenizer)));
    long docs = 0, trainDocs = 0, valDocs = 0, trainTokens = 0, valTokens = 0, bytes = 0;
    List<ArtifactRef> outputs = new ArrayList<>();
    for (TokenizeActivities.TokenizeResult r : results) {
      docs += r.documents();
      trainDocs += r.trainDocuments();
      valDocs += r.valDocuments();
      trainTokens += r.trainTokens();
      valTokens += r.valTokens();
      bytes += r.bytesIn();
      for (ArtifactRef a : new ArtifactRef[] {r.trainBin(), r.trainMap(), r.valBin(), r.valMap()}) {
        if (a != null) {
          outputs.add(a);
        }
      }
      if (r.trainBin() != null) {
        trainShards.add(r.trainBin());
      }
      if (r.valBin() != null) {
        valShards.add(r.valBin());
      }
    }
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("documents", docs);
    counts.put("train_documents", trainDocs);
    counts.put("val_documents", valDocs);
    counts.put("train_tokens", trainTokens);
    counts.put("val_tokens", valTokens);
    return new StepOutcome(outputs, counts, bytes);
  }

  /**
   * Evaluates the untrained model (what training starts from) for the "before" figures, then trains.
   * Both run on the train queue, one after the other.
   */
  private StepOutcome runTrain(RunRequest request, TrainParams params) {
    if (trainShards.isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure(
          "tokenize wrote no training tokens: every document went to the held-out split", StepFailures.BAD_INPUT);
    }
    if (valShards.isEmpty()) {
      log.warn("run {}: no held-out documents (raise tokenize.valFraction or name heldOutSources);"
          + " the model is not evaluated", runId);
    } else {
      initialEval = evaluate.evaluate(new EvaluateActivities.EvaluateRequest(
          runId, request.bucket(), "initial", null, params, List.copyOf(valShards), tokenizer));
    }
    trained = train.train(new TrainActivities.TrainRequest(runId, request.bucket(), List.copyOf(trainShards), params));
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("steps", trained.steps());
    counts.put("resumed_from_step", trained.resumedFromStep());
    counts.put("tokens_seen", trained.tokensSeen());
    counts.put("parameters", trained.parameters());
    counts.put("checkpoints", (long) trained.checkpoints());
    counts.put("documents_seen", trained.documentsSeen());
    Map<String, Double> figures = new LinkedHashMap<>();
    if (trained.lastLoss() != null) {
      figures.put("train_loss", trained.lastLoss());
    }
    if (trained.tokensPerSecond() != null) {
      figures.put("tokens_per_second", trained.tokensPerSecond());
    }
    List<ArtifactRef> outputs = new ArrayList<>(List.of(trained.model(), trained.lastCheckpoint()));
    if (trained.tokenRanges() != null) {
      outputs.add(trained.tokenRanges());
    }
    return new StepOutcome(outputs, counts, sizeOf(trainShards), figures);
  }

  /** The trained model on the held-out split, beside the untrained one. */
  private StepOutcome runEvaluate(RunRequest request, TrainParams params) {
    Map<String, Long> counts = new LinkedHashMap<>();
    Map<String, Double> figures = new LinkedHashMap<>();
    List<ArtifactRef> outputs = new ArrayList<>();
    if (valShards.isEmpty()) {
      counts.put("val_tokens", 0L);
      return new StepOutcome(outputs, counts, 0, figures);
    }
    finalEval = evaluate.evaluate(new EvaluateActivities.EvaluateRequest(
        runId, request.bucket(), "final", trained.model(), params, List.copyOf(valShards), tokenizer));
    counts.put("val_tokens", finalEval.tokens());
    counts.put("val_bytes", finalEval.bytes());
    if (initialEval != null) {
      figures.put("val_loss_before", initialEval.loss());
      figures.put("bits_per_byte_before", initialEval.bitsPerByte());
      figures.put("perplexity_before", initialEval.perplexity());
      outputs.add(initialEval.report());
    }
    figures.put("val_loss", finalEval.loss());
    figures.put("bits_per_byte", finalEval.bitsPerByte());
    figures.put("perplexity", finalEval.perplexity());
    outputs.add(finalEval.report());
    return new StepOutcome(outputs, counts, sizeOf(valShards), figures);
  }

  /** Q8_0 weights, then the dequantized model evaluated against the fp32 one. */
  private StepOutcome runQuantize(RunRequest request, TrainParams params) {
    QuantizeActivities.QuantizeResult q = quantize.quantize(new QuantizeActivities.QuantizeRequest(
        runId, request.bucket(), trained.model(), params, List.copyOf(valShards), finalEval, tokenizer));
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("fp32_bytes", q.fp32Bytes());
    counts.put("quantized_bytes", q.quantizedBytes());
    counts.put("quantized_tensors", (long) q.quantizedTensors());
    counts.put("fp32_tensors", (long) q.fp32Tensors());
    Map<String, Double> figures = new LinkedHashMap<>();
    figures.put("size_ratio", q.sizeRatio());
    if (q.quantized() != null) {
      figures.put("val_loss_q8", q.quantized().loss());
      figures.put("bits_per_byte_q8", q.quantized().bitsPerByte());
    }
    if (q.lossDelta() != null) {
      figures.put("loss_delta", q.lossDelta());
    }
    List<ArtifactRef> outputs = new ArrayList<>(List.of(q.quantizedModel()));
    if (q.report() != null) {
      outputs.add(q.report());
    }
    return new StepOutcome(outputs, counts, trained.model().sizeBytes(), figures);
  }

  /** GGUF files of the trained model with the run's tokenizer, for llama.cpp. */
  private StepOutcome runExport(RunRequest request) {
    ExportActivities.ExportResult r = export.exportGguf(new ExportActivities.ExportRequest(runId, request.bucket(),
        trained.model(), tokenizer, request.exportTypesOrDefaults(), request.trainOrDefaults(), List.copyOf(valShards), finalEval));
    Map<String, Long> counts = new LinkedHashMap<>();
    List<ArtifactRef> outputs = new ArrayList<>();
    Map<String, Double> figures = new LinkedHashMap<>();
    for (ExportActivities.ExportedFile f : r.files()) {
      counts.put(f.type() + "_bytes", f.file().sizeBytes());
      outputs.add(f.file());
      if (f.bitsPerByte() != null) {
        figures.put("bits_per_byte_" + f.type(), f.bitsPerByte());
      }
      if (f.lossDelta() != null) {
        figures.put("loss_delta_" + f.type(), f.lossDelta());
      }
    }
    counts.put("files", (long) r.files().size());
    // the evaluation report and the model card are outputs of the step too (null in results recorded before them)
    for (ArtifactRef a : new ArtifactRef[] {r.evaluationReport(), r.evaluationHtml(), r.modelCard(),
        r.modelCardMarkdown()}) {
      if (a != null) {
        outputs.add(a);
      }
    }
    return new StepOutcome(outputs, counts, trained.model().sizeBytes(), figures);
  }

  private boolean tokenizerStepPlanned() {
    return order.contains(StepNames.TOKENIZER);
  }

  private static long sizeOf(List<ArtifactRef> refs) {
    long n = 0;
    for (ArtifactRef r : refs) {
      n += r.sizeBytes();
    }
    return n;
  }

  /** Starts one activity per item, all at once, and waits for every result in item order. */
  private <T, R> List<R> fanOut(List<T> items, java.util.function.Function<T, R> call) {
    partitionsTotal = items.size();
    partitionsDone = 0;
    List<Promise<R>> promises = new ArrayList<>();
    for (T item : items) {
      promises.add(Async.function(call::apply, item).thenApply(r -> {
        partitionsDone++;
        return r;
      }));
    }
    Promise.allOf(promises).get();
    List<R> results = new ArrayList<>();
    for (Promise<R> p : promises) {
      results.add(p.get());
    }
    return results;
  }

  /**
   * {@code pretrain-sched-nightly-2026-11-25T02:00:00Z} gives {@code sched-nightly-2026-11-25T020000Z}:
   * run ids name S3 prefixes and folders, so they keep to letters, digits, '.', '_' and '-'. Such a
   * run's workflow id is then not {@code pretrain-<runId>}; our database records it.
   */
  static String runIdOf(String workflowId) {
    String prefix = PretrainingRunWorkflow.workflowId("");
    String id = workflowId.startsWith(prefix) ? workflowId.substring(prefix.length()) : workflowId;
    return id.replace(":", "").replaceAll("[^A-Za-z0-9._-]", "-");
  }

  /** The schedule and nominal time the server recorded on a scheduled run; a manual origin otherwise. */
  private static RunOrigin originOf() {
    io.temporal.common.SearchAttributes attributes = Workflow.getTypedSearchAttributes();
    if (!attributes.containsKey(PipelineSearchAttributes.SCHEDULED_BY_ID)) {
      return RunOrigin.manual();
    }
    String scheduleId = attributes.get(PipelineSearchAttributes.SCHEDULED_BY_ID);
    java.time.OffsetDateTime nominal = attributes.containsKey(PipelineSearchAttributes.SCHEDULED_START_TIME)
        ? attributes.get(PipelineSearchAttributes.SCHEDULED_START_TIME) : null;
    return new RunOrigin(scheduleId, nominal == null ? null : nominal.toInstant().toString());
  }

  private static String truncate(String text) {
    int max = PipelineSearchAttributes.ERROR_MAX_CHARS;
    return text.length() <= max ? text : text.substring(0, max - 1) + "…";
  }

  /** The type of the first application failure under the activity failure (BadParameter, ...), else the root's class. */
  private static String failureType(Throwable e) {
    Throwable t = e;
    while (t != null) {
      if (t instanceof ApplicationFailure af) {
        return af.getType();
      }
      if (t.getCause() == null) {
        return t.getClass().getSimpleName();
      }
      t = t.getCause();
    }
    return null;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    // ApplicationFailure.getMessage() decorates the text with type and flags; operators want the text.
    return t instanceof ApplicationFailure af ? af.getOriginalMessage() : t.getMessage();
  }
}
