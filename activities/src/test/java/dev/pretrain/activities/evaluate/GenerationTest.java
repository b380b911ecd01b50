package dev.pretrain.activities.evaluate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.pretrain.activities.train.LlamaModel;
import dev.pretrain.activities.train.ModelConfig;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GenerationTest {

  private static final ModelConfig TINY = new ModelConfig(300, 16, 32, 1, 2, 64, 10000, 5);

  @Test
  void greedyPicksTheLargestLogitOfTheWholeSequenceEachTime() {
    try (NDManager m = dev.pretrain.activities.train.TestData.djl().newBaseManager(); LlamaModel model = LlamaModel.create(TINY, m)) {
      int[] prompt = {1, 2, 3};
      int[] out = Generation.generate(model, prompt, 20, Generation.Sampling.greedy(), -1);
      assertEquals(20, out.length);
      // the reference: argmax of a forward over everything so far (the last 16 tokens once longer)
      int[] seq = Arrays.copyOf(prompt, prompt.length + out.length);
      for (int k = 0; k < out.length; k++) {
        int n = prompt.length + k;
        int from = Math.max(0, n - TINY.contextLength());
        long[] in = Arrays.stream(Arrays.copyOfRange(seq, from, n)).asLongStream().toArray();
        NDArray logits = model.forward(m.create(in, new Shape(1, in.length)));
        assertEquals(logits.get(0, in.length - 1).argMax().getLong(), out[k], "token " + k);
        seq[n] = out[k];
      }
    }
  }

  @Test
  void theSameSeedGivesTheSameSampleAndTopOneIsGreedy() {
    try (NDManager m = dev.pretrain.activities.train.TestData.djl().newBaseManager(); LlamaModel model = LlamaModel.create(TINY, m)) {
      int[] prompt = {7, 8};
      Generation.Sampling s = new Generation.Sampling(40, 1.5, 11);
      int[] a = Generation.generate(model, prompt, 24, s, -1);
      int[] b = Generation.generate(model, prompt, 24, s, -1);
      int[] c = Generation.generate(model, prompt, 24, new Generation.Sampling(40, 1.5, 12), -1);
      assertArrayEquals(a, b);
      assertFalse(Arrays.equals(a, c), "another seed, another sample (an untrained model is nearly uniform)");
      assertArrayEquals(Generation.generate(model, prompt, 24, Generation.Sampling.greedy(), -1),
          Generation.generate(model, prompt, 24, new Generation.Sampling(1, 0.7, 3), -1));
    }
  }

  @Test
  void stopsAtTheStopTokenWithoutReturningIt() {
    try (NDManager m = dev.pretrain.activities.train.TestData.djl().newBaseManager(); LlamaModel model = LlamaModel.create(TINY, m)) {
      int[] greedy = Generation.generate(model, new int[] {4}, 10, Generation.Sampling.greedy(), -1);
      int[] stopped = Generation.generate(model, new int[] {4}, 10, Generation.Sampling.greedy(), greedy[2]);
      int first = 0;
      while (greedy[first] != greedy[2]) {
        first++;
      }
      assertArrayEquals(Arrays.copyOf(greedy, first), stopped);
    }
  }

  @Test
  void topKSamplesOnlyTheKLargestInProportionToTheirWeights() {
    float[] logits = {0f, 3f, 1f, 3f, -2f};
    Generation.Sampling s = new Generation.Sampling(2, 1.0, 0);
    SplittableRandom random = new SplittableRandom(42);
    int[] counts = new int[logits.length];
    for (int i = 0; i < 4000; i++) {
      counts[Generation.sample(logits, s, random)]++;
    }
    assertEquals(0, counts[0] + counts[2] + counts[4], Arrays.toString(counts));
    assertTrue(Math.abs(counts[1] - counts[3]) < 300, "equal logits, about equal draws: " + Arrays.toString(counts));
    assertThrows(IllegalArgumentException.class,
        () -> Generation.generate(null, new int[] {1}, 1, new Generation.Sampling(5, 0, 1), -1));
  }
}
