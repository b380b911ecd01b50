package dev.pretrain.workflows.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowQueryException;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.StepNames;
import dev.pretrain.workflows.tokenize.TokenizeActivities;
import dev.pretrain.workflows.train.TrainParams;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

// an activity sent to a queue nobody polls would wait forever
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PretrainingRunWorkflowTest {

  private FakeStepsEnvironment env;
  private FakeSteps steps;
  private WorkflowClient client;

  @BeforeEach
  void setUp() {
    env = new FakeStepsEnvironment();
    steps = env.steps;
    client = env.client;
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  static RunRequest request(String runId) {
    return new RunRequest(runId, "unit", List.of("s3://corpus/demo/"), "pretrain",
        RunRequest.IngestParams.defaults(), RunRequest.TokenizeParams.defaults(), TrainParams.quick());
  }

  private PretrainingRunWorkflow stub(String runId) {
    return env.stub(runId);
  }

  @Test
  void aRunWithADedupIndexReadsItAndAddsWhatItKept() {
    RunSummary summary = stub("indexed").run(request("indexed").withUntil(StepNames.DEDUP)
        .withDedup(dev.pretrain.workflows.dedup.DedupParams.defaults().withIndex("nightly")));

    assertEquals("completed", summary.status());
    List<String> calls = steps.dedupStageCalls.stream().map(c -> c.split(" ")[0]).toList();
    assertEquals(1, calls.stream().filter("indexSnapshot"::equals).count());
    // the kept shards are hashed again for the index (2 more hash activities), then one new version
    assertEquals(4, calls.stream().filter("hashShard"::equals).count());
    assertEquals("updateIndex", calls.get(calls.size() - 1));
    assertEquals(1.0, summary.steps().get(1).figures().get("index_version_written"));
  }

  @Test
  void aDataOnlyRunStopsAfterItsUntilStep() {
    RunSummary summary = stub("until").run(request("until").withUntil(StepNames.TOKENIZE));

    assertEquals("completed", summary.status());
    assertEquals(List.of("ingest", "dedup", "tokenize"), summary.steps().stream().map(StepSummary::step).toList());
    assertTrue(steps.model.trainRequests.isEmpty(), "no training in a data-only run");
    assertEquals("run-finished completed", steps.ledger.get(steps.ledger.size() - 1));

    WorkflowFailedException unknown = assertThrows(WorkflowFailedException.class,
        () -> stub("until-bad").run(request("until-bad").withUntil("tokenise")));
    ApplicationFailure cause = (ApplicationFailure) unknown.getCause();
    assertEquals("BadParameter", cause.getType());
    assertTrue(cause.getOriginalMessage().contains("unknown step 'tokenise'"), cause.getOriginalMessage());
  }

  @Test
  void runsTheStepsInOrderAndSumsPartitionCounts() {
    RunSummary summary = stub("r1").run(request("r1"));

    assertEquals("completed", summary.status());
    assertEquals(List.of("ingest", "dedup", "tokenize", "train", "evaluate", "quantize"),
        summary.steps().stream().map(StepSummary::step).toList());
    StepSummary ingest = summary.steps().get(0);
    assertEquals(20L, ingest.counts().get("records_in"));
    assertEquals(16L, ingest.counts().get("kept"));
    assertEquals(2L, ingest.counts().get("rejected"));
    assertEquals(2L, ingest.counts().get("quarantined"));
    assertEquals(150L, ingest.bytesIn());
    // dedup: a hash activity per ingest shard; exact, bucket and verify per partition (4); components once;
    // a filter per group of shards (min(4, 2)); the counts are the filters' sums
    StepSummary dedup = summary.steps().get(1);
    assertEquals(2, steps.dedupStageCalls.stream().filter(c -> c.startsWith("hashShard ")).count());
    assertEquals(4, steps.dedupStageCalls.stream().filter(c -> c.startsWith("verifyPartition ")).count());
    assertEquals(2, steps.dedupStageCalls.stream().filter(c -> c.startsWith("filterGroup ")).count());
    assertEquals(1, steps.dedupCalls.get());
    assertEquals(16L, dedup.counts().get("documents_in"));
    assertEquals(12L, dedup.counts().get("kept"));
    assertEquals(4L, dedup.counts().get("duplicates"));
    assertEquals(2L, dedup.counts().get("exact_duplicates"));
    assertEquals(2L, dedup.counts().get("near_duplicates"));
    assertEquals(12L, dedup.counts().get("candidate_pairs"));
    assertEquals(0.8, dedup.figures().get("threshold"));
    // one tokenize activity per dedup output shard
    assertEquals(2, steps.tokenizeCalls.get());
    assertEquals(1200L, summary.steps().get(2).counts().get("train_tokens"));
    assertEquals("run-finished completed", steps.ledger.get(steps.ledger.size() - 1));

    WorkflowExecutionHistory history = client.fetchHistory(PretrainingRunWorkflow.workflowId("r1"));
    assertTrue(history.getEvents().size() > 10);
  }

  @Test
  void aRunWithItsOwnVocabularyTrainsTheTokenizerBetweenDedupAndTokenizeAndEveryLaterStepGetsIt() {
    RunRequest own = request("own").withTokenize(RunRequest.TokenizeParams.ownVocabulary(0.05, List.of("udhr")))
        .withTrain(TrainParams.quick().forOwnVocabulary(8192));
    RunSummary summary = stub("own").run(own);

    assertEquals("completed", summary.status());
    assertEquals(List.of("ingest", "dedup", "tokenizer", "tokenize", "train", "evaluate", "quantize", "export"),
        summary.steps().stream().map(StepSummary::step).toList());
    assertEquals(1, steps.tokenizerRequests.size());
    assertEquals(1, steps.model.exportRequests.size());
    assertEquals(FakeSteps.TOKENIZER, steps.model.exportRequests.get(0).tokenizer());
    assertEquals(List.of("f16", "q8_0", "q4_0"), steps.model.exportRequests.get(0).types());
    StepSummary export = summary.steps().get(7);
    assertEquals(3L, export.counts().get("files"));
    assertEquals(3, export.outputs().size());
    TokenizeActivities.TokenizerRequest asked = steps.tokenizerRequests.get(0);
    assertEquals(8192, asked.vocabSize());
    assertEquals(16_000_000L, asked.sampleBytes());
    assertEquals(1337L, asked.seed());
    assertEquals(List.of("udhr"), asked.heldOutSources());
    assertEquals(0.05, asked.valFraction());
    assertEquals(2, asked.documentShards().size(), "trained on dedup's kept shards");
    StepSummary tokenizer = summary.steps().get(2);
    assertEquals(8189L, tokenizer.counts().get("vocab_size"));
    assertEquals(5L, tokenizer.counts().get("sample_documents"));
    assertEquals(0.042, tokenizer.figures().get("train_seconds"), 1e-12);
    assertEquals(FakeSteps.TOKENIZER, tokenizer.outputs().get(0));
    assertTrue(steps.tokenizeRequests.stream().allMatch(r -> FakeSteps.TOKENIZER.equals(r.tokenizer())));
    assertTrue(steps.model.evaluateRequests.stream().allMatch(r -> FakeSteps.TOKENIZER.equals(r.tokenizer())));
    assertTrue(steps.model.quantizeRequests.stream().allMatch(r -> FakeSteps.TOKENIZER.equals(r.tokenizer())));
    assertEquals(2, steps.model.evaluateRequests.size());
  }

  @Test
  void aModelTooSmallForTheVocabularyIsABadParameterBeforeTheTokenizerTrains() {
    RunRequest own = request("small").withTokenize(RunRequest.TokenizeParams.ownVocabulary(0.05, List.of()));
    RunSummary summary = stub("small").run(own); // TrainParams.quick() has r50k's 50257 ids: fine
    assertEquals("completed", summary.status());
    RunRequest tooSmall = request("small2").withTokenize(new RunRequest.TokenizeParams("bpe", 0.05, List.of(), 60_000,
        0, 0, 0));
    PretrainingRunWorkflow wf = stub("small2");
    WorkflowClient.start(wf::run, tooSmall);
    RunProgress parked = awaitStatus(wf, "parked");
    assertEquals("tokenizer", parked.parked().step());
    assertEquals("BadParameter", parked.parked().failureType());
    assertTrue(parked.parked().error().contains("train.vocabSize 50257"), parked.parked().error());
    assertEquals(1, steps.tokenizerRequests.size(), "only the first run trained a tokenizer");
  }

  @Test
  void aPartitionThatFailsTwiceIsRetriedAloneAndTheRunCompletes() {
    steps.ingestFailuresToThrow = 2;

    RunSummary summary = stub("r2").run(request("r2"));

    assertEquals("completed", summary.status());
    // partition 0 once, partition 1 three times (two injected failures, then success)
    assertEquals(4, steps.ingestCalls.get());
    assertEquals(20L, summary.steps().get(0).counts().get("records_in"));
  }

  @Test
  void aBadParameterParksTheRunAndRetryStepWithAnOverrideCompletesItWithoutRedoingUpstreamSteps() {
    RunRequest bad = request("r3").withTokenize(new RunRequest.TokenizeParams("nope", 0.01, List.of()));
    PretrainingRunWorkflow wf = stub("r3");
    WorkflowClient.start(wf::run, bad);

    RunProgress parked = awaitStatus(wf, "parked");
    assertEquals("tokenize", parked.parked().step());
    assertEquals("BadParameter", parked.parked().failureType());
    assertEquals("unsupported encoding 'nope'", parked.parked().error());
    assertEquals(2, steps.tokenizeCalls.get(), "one call per shard, no retries of a bad parameter");
    assertTrue(steps.ledger.contains("step-parked tokenize BadParameter unsupported encoding 'nope'"), steps.ledger.toString());

    String answer = wf.retryStep(new RetryStepRequest("tokenize", Map.of("encoding", "r50k_base")));
    assertTrue(answer.contains("running tokenize again"), answer);
    RunSummary summary = WorkflowStub.fromTyped(wf).getResult(RunSummary.class);

    assertEquals("completed", summary.status());
    assertEquals(List.of("ingest", "dedup", "tokenize", "train", "evaluate", "quantize"),
        summary.steps().stream().map(StepSummary::step).toList());
    assertEquals(2, steps.ingestCalls.get(), "ingest (2 partitions) was not executed again");
    assertEquals(1, steps.dedupCalls.get(), "dedup was not executed again");
    assertEquals(4, steps.tokenizeCalls.get());
    assertTrue(steps.ledger.contains("step-retry tokenize {encoding=r50k_base}"), steps.ledger.toString());
  }

  @Test
  void retryStepIsValidatedBeforeItIsAccepted() {
    PretrainingRunWorkflow wf = stub("r3v");
    WorkflowClient.start(wf::run, request("r3v").withTokenize(new RunRequest.TokenizeParams("nope", 0.01, List.of())));
    awaitStatus(wf, "parked");

    assertRejected(() -> wf.retryStep(new RetryStepRequest("tokenize", Map.of("encodng", "x"))),
        "unknown parameter 'encodng' for step tokenize");
    assertRejected(() -> wf.retryStep(new RetryStepRequest("train", Map.of())), "has not run yet");
    assertRejected(() -> wf.retryStep(new RetryStepRequest("fly", Map.of())), "unknown step 'fly'");
    assertRejected(() -> wf.retryStep(new RetryStepRequest("tokenize", Map.of("valFraction", "lots"))),
        "is a number, not 'lots'");
    // rejected updates leave no trace in the history and the run stays parked
    assertEquals("parked", wf.progress().status());

    // an earlier, finished step: dedup and tokenize run again, ingest does not
    wf.retryStep(new RetryStepRequest("dedup", null));
    RunProgress again = awaitStatus(wf, "parked");
    assertEquals("tokenize", again.parked().step());
    assertEquals(2, steps.dedupCalls.get());
    assertEquals(2, steps.ingestCalls.get());

    assertEquals("run r3v abandoned: wrong corpus", wf.abandon(new AbandonRequest("wrong corpus")));
    RunSummary summary = WorkflowStub.fromTyped(wf).getResult(RunSummary.class);
    assertEquals("abandoned", summary.status());
    assertTrue(steps.ledger.contains("run-finished abandoned wrong corpus"), steps.ledger.toString());
    assertRejected(() -> stub("r3v").retryStep(new RetryStepRequest(null, null)), "");
  }

  @Test
  void aRunThePolicyRefusesFailsWithPolicyViolationBeforeAnyIngestActivity() {
    String reason = "source 'debian-handbook' (jurisdiction EU) may only be processed in [eu]; the run asks for region us";
    steps.placement = Placement.refused("us", reason);

    WorkflowFailedException refused = assertThrows(WorkflowFailedException.class, () -> stub("r-no").run(request("r-no")));

    ApplicationFailure cause = (ApplicationFailure) refused.getCause();
    assertEquals("PolicyViolation", cause.getType());
    assertTrue(cause.isNonRetryable());
    assertEquals(reason, cause.getOriginalMessage());
    assertTrue(steps.dataCalls.isEmpty(), "no data step activity was scheduled: " + steps.dataCalls);
    assertEquals(0, steps.ingestCalls.get());
    assertEquals(List.of("run-started r-no", "plan r-no", "run-finished refused " + reason), steps.ledger);
    assertEquals("refused", client.newWorkflowStub(PretrainingRunWorkflow.class,
        PretrainingRunWorkflow.workflowId("r-no")).progress().status());
  }

  @Test
  void aPlacedRunSendsEveryStepToItsRegionsQueuesAndBucket() {
    steps.placement = new Placement("eu", FakeStepsEnvironment.REGION_DATA_QUEUE,
        FakeStepsEnvironment.REGION_MODEL_QUEUE, "pretrain-eu", null);

    assertEquals("completed", stub("r-eu").run(request("r-eu")).status());

    assertTrue(steps.ledger.indexOf("plan r-eu") < steps.ledger.indexOf("step-started ingest"), steps.ledger.toString());
    assertEquals(List.of(
        "planIngest pretrain-eu null", "ingestPartition pretrain-eu pretrain-eu", "ingestPartition pretrain-eu pretrain-eu",
        "dedup pretrain-eu pretrain-eu", "tokenizeShard pretrain-eu pretrain-eu", "tokenizeShard pretrain-eu pretrain-eu"),
        steps.dataCalls.stream().sorted((a, b) -> order(a) - order(b)).toList());
    assertFalse(steps.dedupStageCalls.isEmpty());
    assertTrue(steps.dedupStageCalls.stream().allMatch(c -> c.endsWith(" pretrain-eu pretrain-eu")),
        steps.dedupStageCalls.toString());
    assertEquals(List.of("evaluate initial", "train", "evaluate final", "quantize"), env.regional.calls);
    assertTrue(steps.model.calls.isEmpty() && steps.gpuModel.calls.isEmpty(), "nothing on the default model queues");
    assertEquals("pretrain-eu", env.regional.trainRequests.get(0).bucket());
    assertEquals("pretrain-eu", env.regional.quantizeRequests.get(0).bucket());
  }

  private static int order(String call) {
    return List.of("planIngest", "ingestPartition", "dedup", "tokenizeShard").indexOf(call.split(" ")[0]);
  }

  @Test
  void theModelStepsGoToTheGpuQueueWhenItIsServed() {
    steps.modelQueue = PretrainingRunWorkflow.GPU_TRAIN_TASK_QUEUE;

    assertEquals("completed", stub("r-gpu").run(request("r-gpu")).status());
    assertEquals(List.of("evaluate initial", "train", "evaluate final", "quantize"), steps.gpuModel.calls);
    assertTrue(steps.model.calls.isEmpty(), "nothing ran on the CPU model queue: " + steps.model.calls);
  }

  @Test
  void aRunWithoutRunIdTakesItFromTheWorkflowIdAsScheduledRunsDo() {
    RunRequest request = request(null);
    PretrainingRunWorkflow wf = client.newWorkflowStub(PretrainingRunWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId("pretrain-sched-nightly-2026-11-25T02:00:00Z")
        .setTaskQueue(PretrainingRunWorkflow.TASK_QUEUE)
        .build());

    RunSummary summary = wf.run(request);

    assertEquals("sched-nightly-2026-11-25T020000Z", summary.runId());
    assertTrue(steps.ledger.contains("run-started sched-nightly-2026-11-25T020000Z"), steps.ledger.toString());
  }

  static RunProgress awaitStatus(PretrainingRunWorkflow wf, String status) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    RunProgress p = null;
    while (System.nanoTime() < deadline) {
      try {
        p = wf.progress();
        if (status.equals(p.status())) {
          return p;
        }
      } catch (WorkflowQueryException e) {
        // not started yet
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    throw new AssertionError("status " + status + " not reached; last progress " + p);
  }

  private static void assertRejected(Runnable update, String expectedMessagePart) {
    RuntimeException e = assertThrows(RuntimeException.class, update::run);
    Throwable t = e;
    StringBuilder messages = new StringBuilder();
    while (t != null) {
      messages.append(t.getMessage()).append(" | ");
      t = t.getCause();
    }
    assertTrue(messages.toString().contains(expectedMessagePart), messages.toString());
  }

  @Test
  void progressQueryReportsFinishedSteps() {
    PretrainingRunWorkflow wf = stub("r4");
    WorkflowClient.start(wf::run, request("r4"));
    WorkflowStub.fromTyped(wf).getResult(RunSummary.class);

    RunProgress progress = wf.progress();
    assertEquals("completed", progress.status());
    assertEquals(6, progress.finished().size());
  }

  @Test
  void modelStepsGetTheSplitShardsAndReportBeforeAndAfter() {
    RunSummary summary = stub("r5").run(request("r5"));

    assertEquals(List.of("evaluate initial", "train", "evaluate final", "quantize"), steps.model.calls);
    var train = steps.model.trainRequests.get(0);
    assertEquals(List.of("s3://b/runs/r/tokenize/train-0.bin", "s3://b/runs/r/tokenize/train-1.bin"),
        train.trainShards().stream().map(ArtifactRef::uri).toList(), "train .bin shards only, no maps");
    assertEquals(TrainParams.quick(), train.params());
    var initial = steps.model.evaluateRequests.get(0);
    assertNull(initial.model(), "the untrained model is evaluated from the params");
    assertEquals(List.of("s3://b/runs/r/tokenize/val-0.bin", "s3://b/runs/r/tokenize/val-1.bin"),
        initial.valShards().stream().map(ArtifactRef::uri).toList());
    assertEquals("s3://pretrain/runs/r5/train/model.pt", steps.model.evaluateRequests.get(1).model().uri());
    assertEquals(5.5, steps.model.quantizeRequests.get(0).reference().loss(), "quantize compares with the final eval");

    StepSummary trainStep = summary.steps().get(3);
    assertEquals((long) TrainParams.quick().steps(), trainStep.counts().get("steps"));
    assertEquals(1500.0, trainStep.figures().get("tokens_per_second"));
    assertEquals(2048L, trainStep.bytesIn(), "two train shards of 1024 bytes");
    Map<String, Double> eval = summary.steps().get(4).figures();
    assertEquals(10.8, eval.get("val_loss_before"));
    assertEquals(5.5, eval.get("val_loss"));
    assertEquals(10.8 / Math.log(2) / 4, eval.get("bits_per_byte_before"), 1e-12);
    assertEquals(5.5 / Math.log(2) / 4, eval.get("bits_per_byte"), 1e-12);
    Map<String, Double> q = summary.steps().get(5).figures();
    assertEquals(1062 / 4000.0, q.get("size_ratio"), 1e-12);
    assertEquals(0.002, q.get("loss_delta"), 1e-12);
    assertEquals(List.of("step-started train", "step-finished train", "step-started evaluate",
        "step-finished evaluate", "step-started quantize", "step-finished quantize", "run-finished completed"),
        steps.ledger.subList(steps.ledger.size() - 7, steps.ledger.size()));
  }

  @Test
  void aTrainFailureIsRetriedAndABadParameterIsNot() {
    steps.model.trainFailuresToThrow = 1;
    assertEquals("completed", stub("r6").run(request("r6")).status());
    assertEquals(2, steps.model.trainRequests.size(), "one retry after the injected failure");

    steps.model.trainRequests.clear();
    TrainParams quick = TrainParams.quick();
    TrainParams tooLong = new TrainParams(quick.vocabSize(), quick.contextLength(), quick.dModel(), quick.layers(),
        quick.heads(), quick.ffnHidden(), quick.steps(), quick.batch(), quick.contextLength() * 4, quick.lr(),
        quick.minLr(), quick.warmupSteps(), quick.weightDecay(), quick.gradClip(), quick.checkpointEvery(),
        quick.seed(), quick.evalBatch(), quick.evalMaxTokens());
    PretrainingRunWorkflow wf = stub("r7");
    WorkflowClient.start(wf::run, request("r7").withTrain(tooLong));
    RunProgress parked = awaitStatus(wf, "parked");
    assertEquals("train", parked.parked().step());
    assertEquals("BadParameter", parked.parked().failureType());
    assertEquals(1, steps.model.trainRequests.size(), "no retries");

    wf.retryStep(new RetryStepRequest(null, Map.of("seqLen", String.valueOf(quick.contextLength()))));
    assertEquals("completed", WorkflowStub.fromTyped(wf).getResult(RunSummary.class).status());
    assertEquals(quick.contextLength(), steps.model.trainRequests.get(1).params().seqLen());
  }

  @Test
  void withoutHeldOutDataTheModelIsTrainedAndQuantizedButNotEvaluated() {
    steps.noValidation = true;

    RunSummary summary = stub("r8").run(request("r8"));

    assertEquals("completed", summary.status());
    assertEquals(List.of("train", "quantize"), steps.model.calls);
    assertEquals(0L, summary.steps().get(4).counts().get("val_tokens"));
    assertTrue(summary.steps().get(4).figures().isEmpty());
    assertEquals(1062 / 4000.0, summary.steps().get(5).figures().get("size_ratio"), 1e-12);
    assertNull(summary.steps().get(5).figures().get("loss_delta"));
  }

  @Test
  void aRequestWithoutTrainParamsUsesTheDefaults() {
    RunRequest old = new RunRequest("r9", "unit", List.of("s3://corpus/demo/"), "pretrain",
        RunRequest.IngestParams.defaults(), RunRequest.TokenizeParams.defaults());
    assertNull(old.train());

    stub("r9").run(old);

    assertEquals(TrainParams.defaults(), steps.model.trainRequests.get(0).params());
  }
}
