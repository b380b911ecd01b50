package dev.pretrain.workflows.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.SearchAttributeKey;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerOptions;
import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.train.TrainParams;
import java.nio.file.Files;
import java.nio.file.Path;
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

  private TestWorkflowEnvironment env;
  private FakeSteps steps;
  private WorkflowClient client;

  @BeforeEach
  void setUp() {
    env = TestWorkflowEnvironment.newInstance();
    for (SearchAttributeKey<String> key : PipelineSearchAttributes.ALL) {
      env.registerSearchAttribute(key.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    }
    Worker worker = env.newWorker(PretrainingRunWorkflow.TASK_QUEUE);
    worker.registerWorkflowImplementationTypes(PretrainingRunWorkflowImpl.class);
    steps = new FakeSteps();
    worker.registerActivitiesImplementations(steps);
    // the model steps only on their own queue, one at a time, as PipelineWorker registers them
    Worker modelWorker = env.newWorker(PretrainingRunWorkflow.TRAIN_TASK_QUEUE,
        WorkerOptions.newBuilder().setMaxConcurrentActivityExecutionSize(1).build());
    modelWorker.registerActivitiesImplementations(steps.model);
    env.start();
    client = env.getWorkflowClient();
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
    return client.newWorkflowStub(PretrainingRunWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId(PretrainingRunWorkflow.workflowId(runId))
        .setTaskQueue(PretrainingRunWorkflow.TASK_QUEUE)
        .build());
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
    // one tokenize activity per dedup output shard
    assertEquals(2, steps.tokenizeCalls.get());
    assertEquals(1200L, summary.steps().get(2).counts().get("train_tokens"));
    assertEquals("run-finished completed", steps.ledger.get(steps.ledger.size() - 1));

    WorkflowExecutionHistory history = client.fetchHistory(PretrainingRunWorkflow.workflowId("r1"));
    assertTrue(history.getEvents().size() > 10);
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
  void aBadParameterFailsFastWithoutRetries() {
    steps.tokenizeBadParameter = true;

    WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> stub("r3").run(request("r3")));

    ApplicationFailure cause = (ApplicationFailure) ((ActivityFailure) e.getCause()).getCause();
    assertEquals("BadParameter", cause.getType());
    assertEquals(2, steps.tokenizeCalls.get(), "one call per shard, no retries");
    assertTrue(steps.ledger.contains("run-finished failed unsupported encoding 'nope'"), steps.ledger.toString());
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

    steps.model.trainBadParameter = true;
    steps.model.trainRequests.clear();
    WorkflowFailedException e = assertThrows(WorkflowFailedException.class, () -> stub("r7").run(request("r7")));
    ApplicationFailure cause = (ApplicationFailure) ((ActivityFailure) e.getCause()).getCause();
    assertEquals("BadParameter", cause.getType());
    assertEquals(1, steps.model.trainRequests.size(), "no retries");
    assertTrue(steps.ledger.contains("run-finished failed seqLen 512 exceeds contextLength 128"), steps.ledger.toString());
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

  /** Writes a fresh history for the replay test: run with -Dpretrain.recordHistory=true. */
  @Test
  void recordHistoryWhenAsked() throws Exception {
    if (!Boolean.getBoolean("pretrain.recordHistory")) {
      return;
    }
    stub("recorded").run(request("recorded"));
    WorkflowExecutionHistory history = client.fetchHistory(PretrainingRunWorkflow.workflowId("recorded"));
    // v1 (ingest -> dedup -> tokenize) stays as recorded; this writes the current version
    Files.writeString(Path.of("src/test/resources/histories/pretraining-run-v2.json"), history.toJson(true));
  }
}
