package dev.pretrain.workflows.run;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowStub;
import io.temporal.common.WorkflowExecutionHistory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Records a history for {@link PretrainingRunReplayTest}: a run that trains its own vocabulary, parks at
 * the tokenizer step on a bad parameter (a vocabulary larger than the model's embedding) and completes
 * after a {@code retryStep} update with an override, on the SDK's in-memory server with {@link FakeSteps}.
 * (v1 to v6 parked at tokenize on an unknown encoding, with GPT-2's vocabulary.) Record a new version when the workflow changes on purpose (behind
 * {@code Workflow.getVersion}), add it to the replay test and keep the old ones: they stand for runs
 * in flight during an upgrade.
 *
 * <pre>
 * mvn -q -B test-compile -pl workflows -am
 * mvn -q -B dependency:build-classpath -pl workflows -Dmdep.outputFile=target/wf.cp -Dmdep.includeScope=test
 * java -cp workflows/target/test-classes:workflows/target/classes:$(cat workflows/target/wf.cp) \
 *   dev.pretrain.workflows.run.HistoryRecorder workflows/src/test/resources/histories/pretraining-run-v8.json
 * </pre>
 */
public final class HistoryRecorder {

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: HistoryRecorder OUTPUT.json");
      System.exit(2);
    }
    Path out = Path.of(args[0]);
    try (FakeStepsEnvironment e = new FakeStepsEnvironment()) {
      PretrainingRunWorkflow wf = e.stub("recorded");
      WorkflowClient.start(wf::run, PretrainingRunWorkflowTest.request("recorded")
          .withTokenize(new RunRequest.TokenizeParams("bpe", 0.01, List.of(), 60_000, 0, 0, 0)));
      PretrainingRunWorkflowTest.awaitStatus(wf, "parked");
      wf.retryStep(new RetryStepRequest("tokenizer", Map.of("vocabSize", 4096)));
      RunSummary summary = WorkflowStub.fromTyped(wf).getResult(RunSummary.class);
      WorkflowExecutionHistory history = e.client.fetchHistory(PretrainingRunWorkflow.workflowId("recorded"));
      Files.writeString(out, history.toJson(true));
      System.out.println("run " + summary.status() + ": " + history.getEvents().size() + " events written to " + out);
    }
    System.exit(0);
  }
}
