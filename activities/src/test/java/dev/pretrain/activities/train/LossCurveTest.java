package dev.pretrain.activities.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pretrain.batch.shards.ShardTestStack;
import dev.pretrain.db.storage.RunObjectKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loss curve in a real S3 API (S3Proxy): a resumed attempt continues it and writes the same bytes. */
class LossCurveTest {

  @TempDir Path tmp;

  private static Trainer.StepMetrics step(long n) {
    // tokens/s differs between attempts: it must not reach the file
    return new Trainer.StepMetrics(n, 10, 10.0 / n, 1e-3, 0.5, Math.random() * 1000, n * 64, n * 64);
  }

  @Test
  void aResumedAttemptContinuesTheCurveFromItsCheckpointAndWritesTheSameBytes() throws Exception {
    try (ShardTestStack stack = new ShardTestStack(tmp, dev.pretrain.batch.tokenize.TokenizeJobConfig.class)) {
      String key = RunObjectKeys.trainLossCurve("lc");
      // the uninterrupted run
      LossCurve whole = LossCurve.empty();
      for (long n = 1; n <= 10; n++) {
        whole.add(step(n));
      }
      whole.upload(stack.store, ShardTestStack.BUCKET, "lc", tmp.resolve("whole.jsonl"));
      byte[] reference = stack.store.readBytes(ShardTestStack.BUCKET, key).orElseThrow();

      // an attempt uploaded steps 1..7 and died; the next resumes from the checkpoint at step 5 and keeps 1..5
      LossCurve dead = LossCurve.empty();
      for (long n = 1; n <= 7; n++) {
        dead.add(step(n));
      }
      dead.upload(stack.store, ShardTestStack.BUCKET, "lc", tmp.resolve("dead.jsonl"));
      LossCurve resumed = LossCurve.resumed(stack.store, ShardTestStack.BUCKET, "lc", 5);
      assertEquals(5, resumed.size());
      for (long n = 6; n <= 10; n++) {
        resumed.add(step(n));
      }
      resumed.upload(stack.store, ShardTestStack.BUCKET, "lc", tmp.resolve("resumed.jsonl"));
      assertArrayEquals(reference, stack.store.readBytes(ShardTestStack.BUCKET, key).orElseThrow());
      String text = Files.readString(tmp.resolve("resumed.jsonl"), StandardCharsets.UTF_8);
      assertTrue(text.startsWith("{\"step\":1,\"loss\":10.0,\"lr\":0.001,\"gradNorm\":0.5}\n"), text);
      assertEquals(0, LossCurve.resumed(stack.store, ShardTestStack.BUCKET, "lc", 0).size(), "step 0: a new curve");
    }
  }
}
