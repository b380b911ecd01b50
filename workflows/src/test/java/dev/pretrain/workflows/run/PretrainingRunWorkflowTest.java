package dev.pretrain.workflows.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

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
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  static RunRequest request(String runId) {
    return new RunRequest(runId, "unit", List.of("s3://corpus/demo/"), "pretrain",
        RunRequest.IngestParams.defaults(), RunRequest.TokenizeParams.defaults());
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
    assertEquals(List.of("ingest", "dedup", "tokenize"), summary.steps().stream().map(StepSummary::step).toList());
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
    assertEquals(3, progress.finished().size());
  }

  /** Writes a fresh history for the replay test: run with -Dpretrain.recordHistory=true. */
  @Test
  void recordHistoryWhenAsked() throws Exception {
    if (!Boolean.getBoolean("pretrain.recordHistory")) {
      return;
    }
    stub("recorded").run(request("recorded"));
    WorkflowExecutionHistory history = client.fetchHistory(PretrainingRunWorkflow.workflowId("recorded"));
    Files.writeString(Path.of("src/test/resources/histories/pretraining-run-v1.json"), history.toJson(true));
  }
}
