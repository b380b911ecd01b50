package dev.pretrain.workflows.run;

import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.dedup.DedupActivities;
import dev.pretrain.workflows.evaluate.EvaluateActivities;
import dev.pretrain.workflows.ingest.IngestActivities;
import dev.pretrain.workflows.ingest.IngestPartition;
import dev.pretrain.workflows.ingest.InputFile;
import dev.pretrain.workflows.quantize.QuantizeActivities;
import dev.pretrain.workflows.tokenize.TokenizeActivities;
import dev.pretrain.workflows.train.TrainActivities;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * In-memory activity implementations for unit tests of the workflow class alone: they return
 * consistent counts so the test can check how the workflow combines them. The real activities are
 * exercised end to end in tests/. The model steps are a separate object ({@link #model}), registered
 * on the train task queue's worker as the real ones are.
 */
final class FakeSteps implements IngestActivities, DedupActivities, TokenizeActivities, RunLedgerActivities,
    RoutingActivities {

  final AtomicInteger ingestCalls = new AtomicInteger();
  final AtomicInteger dedupCalls = new AtomicInteger();
  final AtomicInteger tokenizeCalls = new AtomicInteger();
  final List<String> ledger = Collections.synchronizedList(new ArrayList<>());
  volatile int ingestFailuresToThrow;
  volatile boolean noValidation;
  final Model model = new Model();
  /** The model steps as a GPU worker serves them, on their own queue. */
  final Model gpuModel = new Model();
  volatile String modelQueue = PretrainingRunWorkflow.TRAIN_TASK_QUEUE;

  @Override
  public String modelTaskQueue() {
    return modelQueue;
  }

  /** What plan answers; a regional placement's queues are served by {@link FakeStepsEnvironment#regional}. */
  volatile Placement placement = Placement.unrestricted();
  /** Every activity a data step ran, as "name queue bucket" (the queue from the activity's info). */
  final List<String> dataCalls = Collections.synchronizedList(new ArrayList<>());

  @Override
  public Placement plan(RunRequest request) {
    ledger.add("plan " + request.runId());
    return placement;
  }

  private void called(String name, String bucket) {
    dataCalls.add(name + " " + io.temporal.activity.Activity.getExecutionContext().getInfo().getActivityTaskQueue()
        + " " + bucket);
  }

  @Override
  public List<IngestPartition> planIngest(PlanRequest request) {
    called("planIngest", null);
    return List.of(
        new IngestPartition(0, List.of(new InputFile("s3://corpus/a.jsonl", 100))),
        new IngestPartition(1, List.of(new InputFile("s3://corpus/b.jsonl", 50))));
  }

  @Override
  public PartitionResult ingestPartition(PartitionRequest request) {
    ingestCalls.incrementAndGet();
    called("ingestPartition", request.bucket());
    if (request.partition().index() == 1 && ingestFailuresToThrow > 0) {
      ingestFailuresToThrow--;
      throw new IllegalStateException("S3 endpoint unavailable (injected)");
    }
    int p = request.partition().index();
    ArtifactRef shard = new ArtifactRef("s3://" + request.bucket() + "/runs/r/ingest/docs-" + p, "ab" + p, 10);
    return new PartitionResult(p, 10, 8, 1, 1, request.partition().sizeBytes(), List.of(shard), null);
  }

  @Override
  public DedupResult dedup(DedupRequest request) {
    dedupCalls.incrementAndGet();
    called("dedup", request.bucket());
    List<ArtifactRef> out = new ArrayList<>();
    for (ArtifactRef in : request.documentShards()) {
      out.add(new ArtifactRef(in.uri().replace("/ingest/", "/dedup/"), "cd", 9));
    }
    return new DedupResult(16, 13, 3, 20, out);
  }

  /** The partitioned dedup's stage calls, as "stage queue bucket"; {@link #dedupCalls} counts whole dedups. */
  final List<String> dedupStageCalls = Collections.synchronizedList(new ArrayList<>());

  private void stage(String name, String bucket) {
    dedupStageCalls.add(name + " " + io.temporal.activity.Activity.getExecutionContext().getInfo().getActivityTaskQueue()
        + " " + bucket);
  }

  private static List<ArtifactRef> files(String bucket, String what, int n) {
    List<ArtifactRef> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new ArtifactRef("s3://" + bucket + "/runs/r/dedup/" + what + "-" + i, "aa" + i, 4));
    }
    return out;
  }

  @Override
  public HashResult hashShard(HashRequest request) {
    stage("hashShard", request.bucket());
    int p = request.params().partitions();
    return new HashResult(8, 8, 10, files(request.bucket(), "exact-" + request.shardIndex(), p),
        files(request.bucket(), "bands-" + request.shardIndex(), p), null, 40);
  }

  @Override
  public StageResult exactPartition(DedupActivities.StageRequest request) {
    stage("exactPartition", request.bucket());
    return new StageResult(files(request.bucket(), "exact-drops-" + request.partition(),
        Math.min(request.params().partitions(), request.shards())), java.util.Map.of());
  }

  @Override
  public StageResult bucketPartition(DedupActivities.StageRequest request) {
    stage("bucketPartition", request.bucket());
    return new StageResult(files(request.bucket(), "pairs-" + request.partition(), request.params().partitions()),
        java.util.Map.of());
  }

  @Override
  public StageResult verifyPartition(VerifyRequest request) {
    stage("verifyPartition", request.bucket());
    if (request.pairFiles().size() != request.params().partitions()) {
      throw new IllegalStateException("verify got " + request.pairFiles().size() + " pair files");
    }
    return new StageResult(files(request.bucket(), "edges-" + request.partition(), 1),
        java.util.Map.of("distinct_pairs", 3L, "false_positives", 1L));
  }

  @Override
  public StageResult components(ComponentsRequest request) {
    dedupCalls.incrementAndGet();
    called("dedup", request.bucket());
    // drop files by group, then the redirects file
    return new StageResult(files(request.bucket(), "fuzzy-drops", Math.min(request.params().partitions(),
        request.runShards()) + 1), java.util.Map.of());
  }

  @Override
  public StageResult decontaminationIndex(IndexRequest request) {
    stage("decontaminationIndex", request.bucket());
    return new StageResult(files(request.bucket(), "index", 1), java.util.Map.of());
  }

  @Override
  public IndexSnapshot indexSnapshot(IndexSnapshotRequest request) {
    stage("indexSnapshot", request.bucket());
    List<List<IndexPart>> none = new ArrayList<>();
    for (int q = 0; q < request.params().partitions(); q++) {
      none.add(List.of());
    }
    return new IndexSnapshot(request.name(), 0, List.of(), List.of(), none, none);
  }

  @Override
  public StageResult updateIndex(UpdateIndexRequest request) {
    stage("updateIndex", request.bucket());
    return new StageResult(files(request.bucket(), "index-manifest", 1), java.util.Map.of("version", 1L));
  }

  @Override
  public FilterResult filterGroup(FilterRequest request) {
    stage("filterGroup", request.bucket());
    List<ArtifactRef> out = new ArrayList<>();
    for (ArtifactRef in : request.shards()) {
      out.add(new ArtifactRef(in.uri().replace("/ingest/", "/dedup/"), "cd", 9));
    }
    // 16 documents over the two ingest shards: 8 each, of which 1 exact copy and 1 near copy (and 0 or 1 contaminated)
    return new FilterResult(8, 6, 2, 10, out, java.util.Map.of("exact", 1L, "fuzzy", 1L));
  }

  final List<TokenizerRequest> tokenizerRequests = Collections.synchronizedList(new ArrayList<>());
  final List<TokenizeRequest> tokenizeRequests = Collections.synchronizedList(new ArrayList<>());
  static final ArtifactRef TOKENIZER = new ArtifactRef("s3://b/runs/r/tokenizer/tokenizer.json", "70", 4096);

  @Override
  public TokenizerResult trainTokenizer(TokenizerRequest request) {
    called("trainTokenizer", request.bucket());
    tokenizerRequests.add(request);
    return new TokenizerResult(TOKENIZER, new ArtifactRef("s3://b/runs/r/tokenizer/sample.jsonl", "71", 100),
        new ArtifactRef("s3://b/runs/r/tokenizer/card.json", "72", 50), request.vocabSize() - 3, request.vocabSize() - 260,
        5, 5000, 11, 11000, 1, 42, 20);
  }

  @Override
  public TokenizeResult tokenizeShard(TokenizeRequest request) {
    tokenizeCalls.incrementAndGet();
    tokenizeRequests.add(request);
    called("tokenizeShard", request.bucket());
    if (!request.encoding().endsWith("_base") && !(request.encoding().equals("bpe") && request.tokenizer() != null)) {
      throw ApplicationFailure.newNonRetryableFailure("unsupported encoding '" + request.encoding() + "'", "BadParameter");
    }
    int i = request.shardIndex();
    ArtifactRef bin = new ArtifactRef("s3://b/runs/r/tokenize/train-" + i + ".bin", "ef", 1024);
    ArtifactRef map = new ArtifactRef("s3://b/runs/r/tokenize/train-" + i + ".map.jsonl", "f0", 64);
    if (noValidation) {
      return new TokenizeResult(i, 7, 7, 0, 700, 0, 9, bin, map, null, null);
    }
    ArtifactRef val = new ArtifactRef("s3://b/runs/r/tokenize/val-" + i + ".bin", "f1", 256);
    ArtifactRef valMap = new ArtifactRef("s3://b/runs/r/tokenize/val-" + i + ".map.jsonl", "f2", 32);
    return new TokenizeResult(i, 7, 6, 1, 600, 100, 9, bin, map, val, valMap);
  }

  @Override
  public void runStarted(String runId, String workflowId, RunRequest request, RunOrigin origin) {
    ledger.add("run-started " + runId + (origin != null && origin.scheduled() ? " by " + origin.scheduleId() : ""));
  }

  @Override
  public void stepStarted(String runId, String step) {
    ledger.add("step-started " + step);
  }

  @Override
  public StepRecorded stepFinished(String runId, StepSummary summary) {
    ledger.add("step-finished " + summary.step());
    return new StepRecorded(0, 1);
  }

  @Override
  public int stepParked(String runId, String step, String error, String failureType) {
    ledger.add("step-parked " + step + " " + failureType + " " + error);
    return 1;
  }

  @Override
  public void stepRetryRequested(String runId, String step, RetryStepRequest request, RunRequest effective) {
    ledger.add("step-retry " + step + " " + request.overrides());
  }

  @Override
  public List<String> verifyArtifacts(String runId, List<ArtifactRef> artifacts) {
    return List.of();
  }

  @Override
  public void runFinished(String runId, String status, String error) {
    ledger.add("run-finished " + status + (error == null ? "" : " " + error));
  }

  /** Train, evaluate and quantize with fixed figures; records what the workflow asked for. */
  static final class Model implements TrainActivities, EvaluateActivities, QuantizeActivities,
      dev.pretrain.workflows.export.ExportActivities {
    final List<ExportRequest> exportRequests = Collections.synchronizedList(new ArrayList<>());

    @Override
    public ExportResult exportGguf(ExportRequest request) {
      calls.add("export");
      exportRequests.add(request);
      List<ExportedFile> files = new ArrayList<>();
      for (String type : request.types()) {
        files.add(new ExportedFile(type, new ArtifactRef("s3://" + request.bucket() + "/runs/" + request.runId()
            + "/export/model-" + type + ".gguf", "e" + type.length(), 1000 + type.length()), 21, 14));
      }
      return new ExportResult(files);
    }

    final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    final List<TrainRequest> trainRequests = Collections.synchronizedList(new ArrayList<>());
    final List<EvaluateRequest> evaluateRequests = Collections.synchronizedList(new ArrayList<>());
    final List<QuantizeRequest> quantizeRequests = Collections.synchronizedList(new ArrayList<>());
    volatile int trainFailuresToThrow;

    @Override
    public TrainResult train(TrainRequest request) {
      calls.add("train");
      trainRequests.add(request);
      if (request.params().seqLen() > request.params().contextLength()) {
        throw ApplicationFailure.newNonRetryableFailure("seqLen " + request.params().seqLen() + " exceeds contextLength "
            + request.params().contextLength(), "BadParameter");
      }
      if (trainFailuresToThrow > 0) {
        trainFailuresToThrow--;
        throw new IllegalStateException("worker lost (injected)");
      }
      String base = "s3://" + request.bucket() + "/runs/" + request.runId() + "/train/";
      int steps = request.params().steps();
      long resumed = trainRequests.size() > 1 ? 20 : 0;
      return new TrainResult(new ArtifactRef(base + "model.pt", "aa", 4000),
          new ArtifactRef(base + String.format("ckpt-%07d.pt", steps), "aa", 4000),
          new ArtifactRef(base + "token-ranges.json", "bb", 300), steps, resumed, 3, 1024L * steps, 1_000_000,
          4.25, 1500.0, 14, "cpu()");
    }

    @Override
    public EvaluateResult evaluate(EvaluateRequest request) {
      calls.add("evaluate " + request.label());
      evaluateRequests.add(request);
      boolean initial = request.model() == null;
      double loss = initial ? 10.8 : 5.5;
      ArtifactRef report = new ArtifactRef(
          "s3://" + request.bucket() + "/runs/" + request.runId() + "/evaluate/" + request.label() + ".json", "cc", 500);
      return new EvaluateResult(request.label(), initial ? null : request.model().uri(), report, loss, Math.exp(loss),
          loss / Math.log(2) / 4, 199, 796);
    }

    @Override
    public QuantizeResult quantize(QuantizeRequest request) {
      calls.add("quantize");
      quantizeRequests.add(request);
      String base = "s3://" + request.bucket() + "/runs/" + request.runId() + "/quantize/";
      EvaluateResult q = request.reference() == null ? null
          : new EvaluateResult("q8_0", base + "model-q8_0.bin", new ArtifactRef(base + "report.json", "dd", 400),
              request.reference().loss() + 0.002, Math.exp(request.reference().loss() + 0.002), 1.9, 199, 796);
      return new QuantizeResult(new ArtifactRef(base + "model-q8_0.bin", "ee", 1100), q == null ? null : q.report(),
          4000, 1062, 1062 / 4000.0, 9, 5, request.reference(), q, q == null ? null : 0.002);
    }
  }
}
