package dev.pretrain.activities.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Next-token pre-training of a {@link LlamaModel} on llm.c token shards: AdamW, linear warmup then
 * cosine decay, global-norm gradient clipping, mean cross-entropy over all targets of the batch.
 *
 * <p>Exactly resumable: the step counter, the data stream position, the weights and the AdamW
 * moments are all in the {@link Checkpoint}, and nothing else is random, so {@code resume} followed
 * by {@code n} steps computes what an uninterrupted run computes (up to libtorch's floating-point
 * reduction order with the same thread count).
 *
 * <p>Only one Trainer may run at a time in a process (DJL's PyTorch gradient collector is
 * process-wide); a worker must run training activities one at a time. A Trainer owns its
 * NDManager: {@link #close()} frees the model and optimizer.
 */
public final class Trainer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Trainer.class);

  /** The loss stopped being finite; resuming from a checkpoint would diverge the same way. */
  public static final class TrainingDivergedException extends IllegalStateException {
    public TrainingDivergedException(String message) {
      super(message);
    }
  }

  /** What each step reports (for heartbeats and logs). */
  public record StepMetrics(long step, int totalSteps, double loss, double lr, double gradNorm, double tokensPerSecond,
      long tokensSeen, long dataPosition) {}

  /** Callbacks; an exception thrown from one (e.g. a cancelled activity's heartbeat) stops training. */
  public interface Listener {
    default void onStep(StepMetrics metrics) {}

    /** A checkpoint was written; the previous local one is deleted once this returns. */
    default void onCheckpoint(Path file, long step) {}
  }

  /** Outcome of {@link #run}. */
  public record Result(long step, double lastLoss, long tokensSeen, Path checkpoint, double medianTokensPerSecond) {}

  private final NDManager manager;
  private final ModelConfig modelConfig;
  private final TrainConfig trainConfig;
  private final TokenShards data;
  private final WindowSampler sampler;
  private final LlamaModel model;
  private final AdamW optimizer;
  private final List<Parameter> params;
  private long step;
  private long dataPosition;
  private long tokensSeen;
  private Path lastCheckpoint;

  private Trainer(NDManager manager, ModelConfig mc, TrainConfig tc, TokenShards data, LlamaModel model, AdamW opt) {
    this.manager = manager;
    this.modelConfig = mc;
    this.trainConfig = tc;
    this.data = data;
    this.model = model;
    this.optimizer = opt;
    this.params = new ArrayList<>(model.parameters().values());
    this.sampler = new WindowSampler(data, tc.seqLen(), tc.seed());
  }

  /** A new run from a freshly initialised model, on already opened train shards. */
  public static Trainer start(ModelConfig model, TrainConfig train, TokenShards data) {
    if (train.seqLen() > model.contextLength()) {
      throw new IllegalArgumentException("seqLen " + train.seqLen() + " exceeds contextLength " + model.contextLength());
    }
    NDManager manager = DjlRuntime.engine().newBaseManager();
    try {
      LlamaModel m = LlamaModel.create(model, manager);
      return new Trainer(manager, model, train, data, m, new AdamW(m.parameters(), train, manager));
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /**
   * Continues a run from a checkpoint, with the configs stored in it. The shards must be the same
   * (same token count per shard, in order) as when the checkpoint was written.
   */
  public static Trainer resume(Path checkpoint, TokenShards data) throws IOException {
    NDManager manager = DjlRuntime.engine().newBaseManager();
    try {
      Checkpoint.Loaded c = Checkpoint.load(checkpoint, manager);
      Checkpoint.Header h = c.header();
      if (!Arrays.equals(h.shardTokens(), data.tokenCounts())) {
        throw new IllegalArgumentException("training data differs from the checkpoint's: shard token counts "
            + Arrays.toString(data.tokenCounts()) + " vs " + Arrays.toString(h.shardTokens()));
      }
      Trainer t = new Trainer(manager, h.model(), h.train(), data, c.model(), c.optimizer());
      t.step = h.step();
      t.dataPosition = h.dataPosition();
      t.tokensSeen = h.tokensSeen();
      t.lastCheckpoint = checkpoint;
      log.info("resumed at step {} / {} (data position {}) from {}", t.step, h.train().steps(), t.dataPosition,
          checkpoint);
      return t;
    } catch (IOException | RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /**
   * Runs until {@code train.steps()}, writing {@code step-NNNNNNNN.ckpt} into {@code checkpointDir}
   * every {@code checkpointEvery} steps and after the last one. Only the newest checkpoint written
   * by this call is kept locally.
   */
  public Result run(Path checkpointDir, Listener listener) throws IOException {
    Files.createDirectories(checkpointDir);
    List<Double> rates = new ArrayList<>();
    double loss = Double.NaN;
    Path written = null;
    while (step < trainConfig.steps()) {
      StepMetrics m = trainStep();
      loss = m.loss();
      rates.add(m.tokensPerSecond());
      listener.onStep(m);
      if (step % trainConfig.checkpointEvery() == 0 || step == trainConfig.steps()) {
        Path file = checkpointDir.resolve(String.format(Locale.ROOT, "step-%08d.ckpt", step));
        saveCheckpoint(file);
        listener.onCheckpoint(file, step);
        if (written != null && !written.equals(file)) {
          Files.deleteIfExists(written);
        }
        written = file;
      }
    }
    return new Result(step, loss, tokensSeen, lastCheckpoint, median(rates));
  }

  /** One optimizer step on the next batch of the stream. */
  public StepMetrics trainStep() {
    long t0 = System.nanoTime();
    int b = trainConfig.batch();
    int t = trainConfig.seqLen();
    long[] inputs = new long[b * t];
    long[] targets = new long[b * t];
    sampler.fill(dataPosition, b, inputs, targets);
    checkVocab(inputs);
    checkVocab(targets);
    double lr = trainConfig.learningRate(step);
    StepOutcome outcome = computeAndUpdate(inputs, targets, b, t, lr);
    float loss = outcome.loss();
    double norm = outcome.norm();
    step++;
    dataPosition += b;
    tokensSeen += (long) b * t;
    double seconds = (System.nanoTime() - t0) / 1e9;
    return new StepMetrics(step, trainConfig.steps(), loss, lr, norm, b * t / seconds, tokensSeen, dataPosition);
  }

  private record StepOutcome(float loss, double norm) {}

  /**
   * Forward, backward and the clipped AdamW update. A loss or gradient norm that is not finite ends
   * training: with fp32 arithmetic and a deterministic data stream it would recur on every resume.
   */
  private StepOutcome computeAndUpdate(long[] inputs, long[] targets, int b, int t, double lr) {
    DjlRuntime.noGradOnThisThread();
    for (Parameter p : params) {
      // torch accumulates into .grad: clear what the previous step left
      DjlRuntime.zeroGradient(p.getArray());
    }
    try (NDScope ignored = new NDScope()) {
      NDArray x = manager.create(inputs, new Shape(b, t));
      NDArray y = manager.create(targets, new Shape(b, t));
      NDArray lossArray;
      try (GradientCollector gc = DjlRuntime.engine().newGradientCollector()) {
        lossArray = LlamaModel.crossEntropy(model.forward(x), y);
        gc.backward(lossArray);
      }
      DjlRuntime.noGradOnThisThread();
      float loss = lossArray.getFloat();
      if (!Float.isFinite(loss)) {
        throw new TrainingDivergedException("loss is " + loss + " at step " + (step + 1) + " (lr " + lr + "): training diverged");
      }
      List<NDArray> grads = new ArrayList<>(params.size());
      NDArray sumSq = null;
      for (Parameter p : params) {
        NDArray g = p.getArray().getGradient();
        grads.add(g);
        NDArray s = g.square().sum();
        sumSq = sumSq == null ? s : sumSq.addi(s);
      }
      double norm = Math.sqrt(sumSq.getFloat());
      if (!Double.isFinite(norm)) {
        throw new TrainingDivergedException("gradient norm is " + norm + " at step " + (step + 1) + " (loss " + loss
            + ", lr " + lr + "): training diverged");
      }
      if (trainConfig.gradClip() > 0 && norm > trainConfig.gradClip()) {
        float scale = (float) (trainConfig.gradClip() / (norm + 1e-6));
        for (NDArray g : grads) {
          g.muli(scale);
        }
      }
      optimizer.update(grads, lr, step + 1);
      return new StepOutcome(loss, norm);
    }
  }

  /** Writes a checkpoint of the current state. */
  public void saveCheckpoint(Path file) throws IOException {
    Checkpoint.write(file, new Checkpoint.Header(modelConfig, trainConfig, step, dataPosition, tokensSeen,
        data.tokenCounts()), model, optimizer);
    lastCheckpoint = file;
  }

  /** Writes the current weights alone ({@link Checkpoint#writeModel}): for evaluation and quantization. */
  public void saveModel(Path file) throws IOException {
    Checkpoint.writeModel(file, new Checkpoint.Header(modelConfig, trainConfig, step, dataPosition, tokensSeen,
        data.tokenCounts()), model);
  }

  public long step() {
    return step;
  }

  public long dataPosition() {
    return dataPosition;
  }

  public long tokensSeen() {
    return tokensSeen;
  }

  /** The token ranges the windows read so far cover (lineage and {@code token-ranges.json}). */
  public ConsumedTokens consumed() {
    return ConsumedTokens.of(sampler, dataPosition);
  }

  public LlamaModel model() {
    return model;
  }

  public ModelConfig modelConfig() {
    return modelConfig;
  }

  public TrainConfig trainConfig() {
    return trainConfig;
  }

  @Override
  public void close() {
    optimizer.close();
    model.close();
    manager.close();
  }

  private void checkVocab(long[] tokens) {
    for (long tok : tokens) {
      if (tok >= modelConfig.vocabSize()) {
        throw new IllegalArgumentException("token " + tok + " is outside the model vocabulary of "
            + modelConfig.vocabSize());
      }
    }
  }

  static double median(List<Double> xs) {
    if (xs.isEmpty()) {
      return Double.NaN;
    }
    double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }
}
