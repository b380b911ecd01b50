package dev.pretrain.activities.train;

/**
 * Shape of a Llama-style decoder ({@link LlamaModel}).
 *
 * <p>The output head is <b>tied</b> to the token embedding (one {@code vocabSize x dModel} matrix
 * used for both lookup and logits), as GPT-2 and llm.c do: at our small sizes the embedding is
 * most of the model, and tying halves it.
 *
 * @param vocabSize     token ids are in {@code [0, vocabSize)}; 50257 for r50k (GPT-2)
 * @param contextLength longest sequence the model is trained on (rotary tables are built for it)
 * @param dModel        residual width; {@code dModel / heads} must be even (rotary pairs)
 * @param layers        decoder blocks
 * @param heads         attention heads (no grouped-query attention: K/V have as many heads as Q)
 * @param ffnHidden     SwiGLU hidden width; a multiple of 32 keeps every matrix row whole in Q8_0
 *                      blocks (llama.cpp needs that for GGUF)
 * @param ropeTheta     rotary base frequency (10000 in Llama 1/2)
 * @param seed          seed of the deterministic initialisation
 */
public record ModelConfig(
    int vocabSize, int contextLength, int dModel, int layers, int heads, int ffnHidden, double ropeTheta, long seed) {

  /** RMSNorm epsilon (Llama 2 uses 1e-5). */
  public static final float RMS_EPS = 1e-5f;

  public ModelConfig {
    if (vocabSize < 2 || contextLength < 1 || dModel < 2 || layers < 1 || heads < 1 || ffnHidden < 1) {
      throw new IllegalArgumentException("model sizes must be positive: " + describe(vocabSize, contextLength,
          dModel, layers, heads, ffnHidden));
    }
    if (dModel % heads != 0 || (dModel / heads) % 2 != 0) {
      throw new IllegalArgumentException("dModel " + dModel + " must split into " + heads + " heads of even width");
    }
    if (!(ropeTheta > 1)) {
      throw new IllegalArgumentException("ropeTheta must be > 1, got " + ropeTheta);
    }
  }

  public int headDim() {
    return dModel / heads;
  }

  /**
   * Parameters by formula: tied embedding/head {@code V*d}; per layer two RMSNorm weights
   * {@code 2d}, attention {@code 4d^2} (Q, K, V, O, no biases), SwiGLU {@code 3*d*ffn} (gate, up,
   * down); final RMSNorm {@code d}; no separate output head.
   */
  public long parameterCount() {
    long d = dModel;
    long perLayer = 2 * d + 4 * d * d + 3 * d * ffnHidden;
    return (long) vocabSize * d + layers * perLayer + d;
  }

  /** Parameters outside the embedding (the usual "non-embedding" count). */
  public long nonEmbeddingParameterCount() {
    return parameterCount() - (long) vocabSize * dModel;
  }

  /** Forward+backward FLOPs per trained token (6N for the matrices plus causal attention). */
  public double trainFlopsPerToken(int seqLen) {
    return 6.0 * parameterCount() + 6.0 * layers * dModel * seqLen;
  }

  /** The SwiGLU width Llama uses for {@code dModel}: 8d/3 rounded up to a multiple of {@code multiple}. */
  public static int llamaFfnHidden(int dModel, int multiple) {
    int h = (int) Math.ceil(8.0 * dModel / 3.0);
    return ((h + multiple - 1) / multiple) * multiple;
  }

  private static String describe(int v, int t, int d, int l, int h, int f) {
    return "vocab=" + v + " ctx=" + t + " d=" + d + " layers=" + l + " heads=" + h + " ffn=" + f;
  }
}
