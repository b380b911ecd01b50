package dev.pretrain.activities.evaluate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.pretrain.activities.train.DjlRuntime;
import dev.pretrain.activities.train.LlamaModel;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Continues a prompt with a model, one token at a time over the last {@code contextLength} tokens
 * (no KV cache: the models are small and the continuations short).
 *
 * <ul>
 *   <li>greedy: the most likely token each time (ties: the lowest id), what llama.cpp's greedy
 *       sampler picks from the same logits;
 *   <li>sampled: logits divided by {@code temperature}, the {@code topK} most likely kept, one draw
 *       from their softmax with a {@link SplittableRandom} of {@code seed}: the same seed gives the
 *       same continuation on any machine with the same logits.
 * </ul>
 * Generation stops after {@code maxTokens} or at the end-of-text token, which is not returned.
 */
public final class Generation {

  /** How the next token is picked; {@code topK == 0} means greedy. */
  public record Sampling(int topK, double temperature, long seed) {

    public static Sampling greedy() {
      return new Sampling(0, 0, 0);
    }

    public boolean isGreedy() {
      return topK == 0;
    }
  }

  private Generation() {}

  /**
   * @param stopToken the end-of-text id (generation stops there), or -1
   * @return the generated ids, the prompt not included
   */
  public static int[] generate(LlamaModel model, int[] prompt, int maxTokens, Sampling sampling, int stopToken) {
    if (prompt.length == 0) {
      throw new IllegalArgumentException("an empty prompt has nothing to continue");
    }
    if (!sampling.isGreedy() && (sampling.topK() < 1 || !(sampling.temperature() > 0))) {
      throw new IllegalArgumentException("sampling needs topK >= 1 and temperature > 0, got " + sampling);
    }
    DjlRuntime.noGradOnThisThread();
    int context = model.config().contextLength();
    int[] seq = Arrays.copyOf(prompt, prompt.length + maxTokens);
    int n = prompt.length;
    SplittableRandom random = new SplittableRandom(sampling.seed());
    int made = 0;
    while (made < maxTokens) {
      int from = Math.max(0, n - context);
      long[] in = new long[n - from];
      for (int i = from; i < n; i++) {
        in[i - from] = seq[i];
      }
      float[] logits;
      try (NDScope ignored = new NDScope()) {
        NDArray out = model.forward(model.manager().create(in, new Shape(1, in.length)));
        logits = out.get(0, in.length - 1).toFloatArray();
      }
      int next = sampling.isGreedy() ? argMax(logits) : sample(logits, sampling, random);
      if (next == stopToken) {
        break;
      }
      seq[n++] = next;
      made++;
    }
    return Arrays.copyOfRange(seq, prompt.length, n);
  }

  static int argMax(float[] logits) {
    int best = 0;
    for (int i = 1; i < logits.length; i++) {
      if (logits[i] > logits[best]) {
        best = i;
      }
    }
    return best;
  }

  /** One draw from the softmax of the {@code topK} largest logits over {@code temperature}. */
  static int sample(float[] logits, Sampling s, SplittableRandom random) {
    int k = Math.min(s.topK(), logits.length);
    Integer[] order = new Integer[logits.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    // by logit, descending; equal logits by id, so the order never depends on the sort's stability
    Arrays.sort(order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
    double max = logits[order[0]] / s.temperature();
    double[] weights = new double[k];
    double total = 0;
    for (int i = 0; i < k; i++) {
      weights[i] = Math.exp(logits[order[i]] / s.temperature() - max);
      total += weights[i];
    }
    double u = random.nextDouble() * total;
    for (int i = 0; i < k; i++) {
      u -= weights[i];
      if (u < 0) {
        return order[i];
      }
    }
    return order[k - 1];
  }
}
