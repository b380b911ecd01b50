package dev.pretrain.workflows.run;

import io.temporal.testing.WorkflowReplayer;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Histories recorded from earlier versions of the workflow must still replay: a change that breaks
 * determinism would otherwise break every run in flight when workers are upgraded. v1 ends after
 * tokenize (before the model steps); v2 runs train, evaluate and quantize; v3 parks at tokenize on a
 * bad parameter and completes after a retryStep update with an override; v4 is v3 with the model
 * steps routed by the modelTaskQueue activity; v5 is v4 placed by the plan activity (sovereignty
 * policy) before ingest; v6 is v5 with the partitioned dedup (its stages fanned out per shard, partition
 * and filter group).
 */
class PretrainingRunReplayTest {

  @Test
  void recordedHistoriesStillReplay() throws Exception {
    for (String name : new String[] {"pretraining-run-v1.json", "pretraining-run-v2.json", "pretraining-run-v3.json",
        "pretraining-run-v4.json", "pretraining-run-v5.json", "pretraining-run-v6.json",
        "pretraining-run-v7.json",
        "pretraining-run-v8.json"}) {
      try (InputStream in = getClass().getResourceAsStream("/histories/" + name)) {
        if (in == null) {
          throw new IllegalStateException("missing recorded history " + name);
        }
        WorkflowReplayer.replayWorkflowExecution(
            new String(in.readAllBytes(), StandardCharsets.UTF_8), PretrainingRunWorkflowImpl.class);
      }
    }
  }
}
