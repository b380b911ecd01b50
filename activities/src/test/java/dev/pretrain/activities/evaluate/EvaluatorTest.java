package dev.pretrain.activities.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import com.knuddels.jtokkit.api.IntArrayList;
import dev.pretrain.activities.train.LlamaModel;
import dev.pretrain.activities.train.ModelConfig;
import dev.pretrain.activities.train.TestData;
import dev.pretrain.activities.train.TokenShards;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluatorTest {

  // real r50k ids, so the model has the full GPT-2 vocabulary (kept narrow to stay fast)
  static final ModelConfig R50K_MODEL = new ModelConfig(Evaluator.R50K_VOCAB, 64, 32, 1, 2, 64, 10000, 3);
  static NDManager manager;

  @BeforeAll
  static void setUp() {
    manager = TestData.djl().newBaseManager();
  }

  @AfterAll
  static void tearDown() {
    manager.close();
  }

  @Test
  void tokenBytesComeFromR50kAndEndOfTextHasNone() {
    int[] table = Evaluator.r50kTokenBytes();
    assertEquals(50257, table.length);
    assertEquals(4, table[TestData.r50k(" the")[0]]);
    assertEquals(1, table[TestData.r50k("!")[0]]);
    assertEquals(0, table[Evaluator.R50K_END_OF_TEXT]);
  }

  @Test
  void lossPerplexityAndBitsPerByteOverWholeShards(@TempDir Path dir) throws Exception {
    int[] doc = TestData.r50k(TestData.TEXT);
    int[] a = TestData.repeat(doc, 2); // 2 x ~190 tokens
    int[] b = Arrays.copyOf(doc, 101);
    b[50] = Evaluator.R50K_END_OF_TEXT;
    TokenShards val = TokenShards.open(List.of(TestData.shard(dir, "a.bin", a), TestData.shard(dir, "b.bin", b)));
    try (LlamaModel model = LlamaModel.create(R50K_MODEL, manager)) {
      Evaluator.Result r = Evaluator.evaluate(model, val, 64, 4, Evaluator.r50kTokenBytes(), t -> {});
      // every token but the first of each shard is predicted once
      assertEquals(a.length - 1 + b.length - 1, r.tokens());
      assertEquals(ceilDiv(a.length - 1, 64) + ceilDiv(b.length - 1, 64), r.windows());
      long bytes = utf8Bytes(Arrays.copyOfRange(a, 1, a.length)) + utf8Bytes(Arrays.copyOfRange(b, 1, b.length))
          - "<|endoftext|>".length();
      assertEquals(bytes, r.bytes());
      assertEquals(r.totalNats() / r.tokens(), r.loss(), 1e-12);
      assertEquals(Math.exp(r.loss()), r.perplexity(), 1e-9);
      assertEquals(r.totalNats() / Math.log(2) / bytes, r.bitsPerByte(), 1e-12);
      assertEquals(Math.log(Evaluator.R50K_VOCAB), r.loss(), 0.3, "untrained: near uniform");

      // batching does not change the result
      Evaluator.Result one = Evaluator.evaluate(model, val, 64, 1, Evaluator.r50kTokenBytes(), t -> {});
      assertEquals(r.totalNats(), one.totalNats(), 1e-4 * r.totalNats());
      assertEquals(r.tokens(), one.tokens());

      // the same numbers by hand: one forward pass per window, summed
      double nats = 0;
      for (int[] shard : new int[][] {a, b}) {
        for (int start = 0; start + 1 < shard.length; start += 64) {
          int len = Math.min(64, shard.length - 1 - start);
          long[] in = new long[len];
          long[] out = new long[len];
          for (int i = 0; i < len; i++) {
            in[i] = shard[start + i];
            out[i] = shard[start + i + 1];
          }
          var shape = new ai.djl.ndarray.types.Shape(1, len);
          nats += LlamaModel.tokenNll(model.forward(manager.create(in, shape)), manager.create(out, shape))
              .sum().getFloat();
        }
      }
      assertEquals(nats, r.totalNats(), 1e-4 * nats);
    }
  }

  @Test
  void refusesTokensOutsideTheModel(@TempDir Path dir) throws Exception {
    TokenShards val = TokenShards.open(List.of(TestData.shard(dir, "v.bin", new int[] {1, 2, 300})));
    try (LlamaModel small = LlamaModel.create(new ModelConfig(256, 8, 16, 1, 2, 32, 10000, 1), manager)) {
      assertThrows(IllegalArgumentException.class,
          () -> Evaluator.evaluate(small, val, 8, 1, Evaluator.r50kTokenBytes(), t -> {}));
    }
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }

  private static long utf8Bytes(int[] tokens) {
    IntArrayList l = new IntArrayList();
    for (int t : tokens) {
      l.add(t);
    }
    return TestData.R50K.decodeBytes(l).length;
  }
}
