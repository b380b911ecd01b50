package dev.pretrain.workflows.train;

/**
 * Model shape and optimisation settings of a run's train step, and how evaluation reads the
 * held-out split. One seed initialises the model and orders the data, so a run is reproducible
 * from its request alone.
 *
 * @param vocabSize       token ids are in {@code [0, vocabSize)}; 50257 for r50k (GPT-2)
 * @param contextLength   longest sequence the model sees
 * @param dModel          residual width; {@code dModel / heads} must be even
 * @param layers          decoder blocks
 * @param heads           attention heads
 * @param ffnHidden       SwiGLU hidden width (a multiple of 32 keeps Q8_0 rows whole)
 * @param steps           optimizer steps of the whole run (the cosine schedule ends here)
 * @param batch           windows per step
 * @param seqLen          tokens per window, at most contextLength
 * @param lr              peak learning rate, reached after warmupSteps
 * @param minLr           learning rate at the end of the cosine decay
 * @param warmupSteps     linear warmup steps
 * @param weightDecay     AdamW decoupled weight decay (matrices only)
 * @param gradClip        global gradient-norm clip; 0 disables it
 * @param checkpointEvery checkpoint to S3 every this many steps, and after the last
 * @param seed            model initialisation and data order
 * @param evalBatch       windows per forward pass when evaluating
 * @param evalMaxTokens   evaluate at most this many held-out tokens (a prefix of the val shards,
 *                        the same for every model of the run); 0 = all. Used when evalSourceTokens is 0.
 * @param evalSourceTokens evaluate each source of the held-out split on its own: its validation documents
 *                        in shard order, at most this many tokens of each source; the overall figures are
 *                        over all of them. 0: the prefix of evalMaxTokens, no figures per source (runs
 *                        recorded before evaluation by source)
 */
public record TrainParams(
    int vocabSize,
    int contextLength,
    int dModel,
    int layers,
    int heads,
    int ffnHidden,
    int steps,
    int batch,
    int seqLen,
    double lr,
    double minLr,
    int warmupSteps,
    double weightDecay,
    double gradClip,
    int checkpointEvery,
    long seed,
    int evalBatch,
    long evalMaxTokens,
    long evalSourceTokens) {

  /** Parameters written before evaluation by source: one prefix of the held-out split. */
  public TrainParams(int vocabSize, int contextLength, int dModel, int layers, int heads, int ffnHidden, int steps,
      int batch, int seqLen, double lr, double minLr, int warmupSteps, double weightDecay, double gradClip,
      int checkpointEvery, long seed, int evalBatch, long evalMaxTokens) {
    this(vocabSize, contextLength, dModel, layers, heads, ffnHidden, steps, batch, seqLen, lr, minLr, warmupSteps,
        weightDecay, gradClip, checkpointEvery, seed, evalBatch, evalMaxTokens, 0);
  }

  /** r50k (GPT-2) vocabulary, what the tokenize step writes. */
  public static final int R50K_VOCAB = 50257;

  /**
   * The demo's model and schedule. The body is the reference decoder of docs/architecture.md §7 (d 128, 4
   * layers, 4 heads, SwiGLU 352: 0.80 M parameters) with the full r50k embedding tied to the output
   * head (6.4 M): the 50257-way softmax takes most of the time, ~1.5 k tokens/s on 2 cores, so 500
   * steps of 8 x 128 tokens take about 5.5 minutes. (At lr 3e-3 this model diverged within 20
   * steps.) Checkpoints (87 MB each) every 125 steps; evaluation reads up to 8 Ki held-out tokens of
   * each source.
   */
  public static TrainParams defaults() {
    return new TrainParams(R50K_VOCAB, 128, 128, 4, 4, 352, 500, 8, 128, 2e-3, 2e-4, 25, 0.1, 1.0, 125, 1337, 16,
        32_768, 8_192);
  }

  /** {@code --quick}: the same model for 60 steps (about 40 s on 2 cores), up to 2 Ki held-out tokens of each source. */
  public static TrainParams quick() {
    return new TrainParams(R50K_VOCAB, 128, 128, 4, 4, 352, 60, 8, 128, 2e-3, 2e-4, 6, 0.1, 1.0, 30, 1337, 16,
        16_384, 2_048);
  }

  /**
   * The same schedule for a model over the run's own vocabulary of {@code vocab} ids: the embedding
   * shrinks (8,192 x 256 = 2.1 M instead of 50,257 x 128 = 6.4 M), and the body takes what it frees:
   * d 256, 6 layers of 4 heads, SwiGLU 704 (4.8 M), 6.9 M parameters in all against r50k's 7.2 M.
   * Wider matrices also run closer to the CPU's matmul peak than d 128 does.
   */
  public TrainParams forOwnVocabulary(int vocab) {
    return new TrainParams(vocab, contextLength, 256, 6, 4, 704, steps, batch, seqLen, lr, minLr, warmupSteps,
        weightDecay, gradClip, checkpointEvery, seed, evalBatch, evalMaxTokens, evalSourceTokens);
  }

  public TrainParams withSteps(int newSteps, int newCheckpointEvery) {
    return new TrainParams(vocabSize, contextLength, dModel, layers, heads, ffnHidden, newSteps, batch, seqLen, lr,
        minLr, warmupSteps, weightDecay, gradClip, newCheckpointEvery, seed, evalBatch, evalMaxTokens, evalSourceTokens);
  }
}
