package dev.pretrain.activities.train;

/**
 * Optimisation settings for {@link Trainer}.
 *
 * @param steps           optimizer steps in the whole run (the cosine schedule ends here)
 * @param batch           windows per step
 * @param seqLen          tokens per window (targets per window); at most the model's context length
 * @param lr              peak learning rate, reached at the end of warmup
 * @param minLr           learning rate at the end of the cosine decay
 * @param warmupSteps     linear warmup from lr/warmupSteps to lr over this many steps
 * @param weightDecay     decoupled AdamW weight decay, applied to 2-D weights only (not norms)
 * @param beta1           AdamW first-moment decay
 * @param beta2           AdamW second-moment decay
 * @param eps             AdamW epsilon (added to sqrt of the bias-corrected second moment)
 * @param gradClip        clip the global L2 norm of all gradients to this; 0 disables clipping
 * @param checkpointEvery write a checkpoint every this many steps (and always after the last)
 * @param seed            seed of the data order
 */
public record TrainConfig(
    int steps,
    int batch,
    int seqLen,
    double lr,
    double minLr,
    int warmupSteps,
    double weightDecay,
    double beta1,
    double beta2,
    double eps,
    double gradClip,
    int checkpointEvery,
    long seed) {

  public TrainConfig {
    if (steps < 1 || batch < 1 || seqLen < 1 || checkpointEvery < 1) {
      throw new IllegalArgumentException("steps, batch, seqLen and checkpointEvery must be >= 1");
    }
    if (!(lr > 0) || minLr < 0 || minLr > lr) {
      throw new IllegalArgumentException("need 0 <= minLr <= lr and lr > 0, got lr=" + lr + " minLr=" + minLr);
    }
    if (warmupSteps < 0 || weightDecay < 0 || gradClip < 0 || !(eps > 0)) {
      throw new IllegalArgumentException("warmupSteps, weightDecay, gradClip must be >= 0 and eps > 0");
    }
    if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) {
      throw new IllegalArgumentException("betas must be in [0, 1)");
    }
  }

  /** Usual small-model defaults: AdamW(0.9, 0.95, 1e-8), wd 0.1, clip 1.0, minLr = lr/10. */
  public static TrainConfig defaults(int steps, int batch, int seqLen, double lr, long seed) {
    return new TrainConfig(steps, batch, seqLen, lr, lr / 10, Math.max(1, steps / 20), 0.1, 0.9, 0.95, 1e-8, 1.0,
        Math.max(1, steps / 10), seed);
  }

  public TrainConfig withSteps(int newSteps) {
    return new TrainConfig(newSteps, batch, seqLen, lr, minLr, warmupSteps, weightDecay, beta1, beta2, eps, gradClip,
        checkpointEvery, seed);
  }

  /**
   * Learning rate for the step that follows {@code step} completed steps: linear warmup
   * {@code lr * (step+1) / warmupSteps}, then cosine from lr down to minLr at {@code steps}.
   */
  public double learningRate(long step) {
    if (step < warmupSteps) {
      return lr * (step + 1) / warmupSteps;
    }
    if (steps <= warmupSteps) {
      return lr;
    }
    double progress = Math.min(1.0, (double) (step - warmupSteps) / (steps - warmupSteps));
    return minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * progress));
  }

  public long tokensPerStep() {
    return (long) batch * seqLen;
  }
}
