package dev.pretrain.activities.train;

import ai.djl.engine.Engine;
import dev.pretrain.activities.PipelineServices;
import dev.pretrain.workflows.train.TrainParams;
import java.nio.file.Path;

/**
 * What the model activities (train, evaluate, quantize) share: loading DJL for a worker, and
 * turning the run's {@link TrainParams} into the trainer's configuration records.
 */
public final class ModelRuntime {

  /** System property: where DJL unpacks libtorch (default {@code <data>/cache/djl}). */
  public static final String DJL_CACHE_PROPERTY = "pretrain.djl.cache";

  /** System property: libtorch intra-op threads (default: available processors). */
  public static final String THREADS_PROPERTY = "pretrain.djl.threads";

  private ModelRuntime() {}

  /**
   * Loads DJL once per process, offline, from the cache directory that is already in use, else
   * the configured one. libtorch uses every core: a worker runs one model activity at a time.
   */
  public static Engine init(PipelineServices services) {
    Path loaded = DjlRuntime.cacheDir();
    Path dir = loaded != null ? loaded : djlCacheDir(services.workDir());
    int threads = Integer.getInteger(THREADS_PROPERTY, Runtime.getRuntime().availableProcessors());
    return DjlRuntime.init(dir, Math.max(1, threads));
  }

  /**
   * {@code -Dpretrain.djl.cache}, else {@code <data>/cache/djl} for a worker's work directory
   * {@code <data>/work/<pid>} (libtorch is unpacked once per data directory, ~441 MB), else
   * {@code <workDir>/djl}.
   */
  static Path djlCacheDir(Path workDir) {
    String configured = System.getProperty(DJL_CACHE_PROPERTY);
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    Path parent = workDir.toAbsolutePath().normalize().getParent();
    if (parent != null && parent.getFileName() != null && parent.getFileName().toString().equals("work")
        && parent.getParent() != null) {
      return parent.getParent().resolve("cache").resolve("djl");
    }
    return workDir.resolve("djl");
  }

  /** @throws IllegalArgumentException for sizes the model cannot have */
  public static ModelConfig modelConfig(TrainParams p) {
    return new ModelConfig(p.vocabSize(), p.contextLength(), p.dModel(), p.layers(), p.heads(), p.ffnHidden(), 10000,
        p.seed());
  }

  /** AdamW betas (0.9, 0.95) and epsilon 1e-8, as in {@link TrainConfig#defaults}. */
  public static TrainConfig trainConfig(TrainParams p) {
    if (p.seqLen() > p.contextLength()) {
      throw new IllegalArgumentException("seqLen " + p.seqLen() + " exceeds contextLength " + p.contextLength());
    }
    return new TrainConfig(p.steps(), p.batch(), p.seqLen(), p.lr(), p.minLr(), p.warmupSteps(), p.weightDecay(), 0.9,
        0.95, 1e-8, p.gradClip(), p.checkpointEvery(), p.seed());
  }

  /** Checks the evaluation settings. */
  public static void checkEval(TrainParams p) {
    if (p.evalBatch() < 1 || p.evalMaxTokens() < 0 || p.evalSourceTokens() < 0) {
      throw new IllegalArgumentException("evalBatch must be >= 1, evalMaxTokens and evalSourceTokens >= 0, got "
          + p.evalBatch() + ", " + p.evalMaxTokens() + ", " + p.evalSourceTokens());
    }
  }
}
