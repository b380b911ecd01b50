package dev.pretrain.workflows.run;

import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.dedup.DedupActivities;
import dev.pretrain.workflows.ingest.IngestActivities;
import dev.pretrain.workflows.ingest.IngestPartition;
import dev.pretrain.workflows.ingest.InputFile;
import dev.pretrain.workflows.tokenize.TokenizeActivities;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * In-memory activity implementations for unit tests of the workflow class alone: they return
 * consistent counts so the test can check how the workflow combines them. The real activities are
 * exercised end to end in tests/.
 */
final class FakeSteps implements IngestActivities, DedupActivities, TokenizeActivities, RunLedgerActivities {

  final AtomicInteger ingestCalls = new AtomicInteger();
  final AtomicInteger dedupCalls = new AtomicInteger();
  final AtomicInteger tokenizeCalls = new AtomicInteger();
  final List<String> ledger = Collections.synchronizedList(new ArrayList<>());
  volatile int ingestFailuresToThrow;
  volatile boolean tokenizeBadParameter;

  @Override
  public List<IngestPartition> planIngest(PlanRequest request) {
    return List.of(
        new IngestPartition(0, List.of(new InputFile("s3://corpus/a.jsonl", 100))),
        new IngestPartition(1, List.of(new InputFile("s3://corpus/b.jsonl", 50))));
  }

  @Override
  public PartitionResult ingestPartition(PartitionRequest request) {
    ingestCalls.incrementAndGet();
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
    List<ArtifactRef> out = new ArrayList<>();
    for (ArtifactRef in : request.documentShards()) {
      out.add(new ArtifactRef(in.uri().replace("/ingest/", "/dedup/"), "cd", 9));
    }
    return new DedupResult(16, 13, 3, 20, out);
  }

  @Override
  public TokenizeResult tokenizeShard(TokenizeRequest request) {
    tokenizeCalls.incrementAndGet();
    if (tokenizeBadParameter) {
      throw ApplicationFailure.newNonRetryableFailure("unsupported encoding 'nope'", "BadParameter");
    }
    int i = request.shardIndex();
    ArtifactRef bin = new ArtifactRef("s3://b/runs/r/tokenize/train-" + i + ".bin", "ef", 1024);
    return new TokenizeResult(i, 7, 6, 1, 600, 100, 9, bin, null, null, null);
  }

  @Override
  public void runStarted(String runId, String workflowId, RunRequest request) {
    ledger.add("run-started " + runId);
  }

  @Override
  public void stepStarted(String runId, String step) {
    ledger.add("step-started " + step);
  }

  @Override
  public void stepFinished(String runId, StepSummary summary) {
    ledger.add("step-finished " + summary.step());
  }

  @Override
  public List<String> verifyArtifacts(String runId, List<ArtifactRef> artifacts) {
    return List.of();
  }

  @Override
  public void runFinished(String runId, String status, String error) {
    ledger.add("run-finished " + status + (error == null ? "" : " " + error));
  }
}
