package dev.pretrain.activities.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads DJL's PyTorch engine fully offline, from the {@code pytorch-native-cpu} and
 * {@code pytorch-jni} jars on the classpath, unpacking libtorch into a cache directory we choose
 * (docs/architecture.md §4, §8). Call {@link #init} before anything else touches DJL: the cache location and
 * offline mode are read once, when the engine loads.
 *
 * <p>DJL reads environment variables before system properties, so an exported
 * {@code DJL_CACHE_DIR}, {@code ENGINE_CACHE_DIR} or {@code DJL_OFFLINE} wins over what is set
 * here; {@link #init} warns when that happens, and refuses {@code PYTORCH_VERSION} /
 * {@code PYTORCH_LIBRARY_PATH} overrides, which would make DJL look for another libtorch.
 */
public final class DjlRuntime {

  private static final Logger log = LoggerFactory.getLogger(DjlRuntime.class);

  /** libtorch version bundled by {@code ai.djl.pytorch:pytorch-native-cpu}. */
  public static final String LIBTORCH_VERSION = "2.7.1";

  private static Path cacheDir;
  private static int threads;

  private DjlRuntime() {}

  /**
   * Sets offline mode, the cache directory and the thread count, then loads the engine.
   * Idempotent: a second call with the same cache directory only changes the thread count.
   *
   * @param cacheDir where libtorch (~441 MB) and the JNI library are unpacked (kept between runs)
   * @param threads  intra-op threads for libtorch (OpenMP); 1 inter-op thread
   * @return the PyTorch engine
   */
  public static synchronized Engine init(Path cacheDir, int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    Path dir = cacheDir.toAbsolutePath().normalize();
    if (DjlRuntime.cacheDir != null) {
      if (!DjlRuntime.cacheDir.equals(dir)) {
        throw new IllegalStateException("DJL already loaded from " + DjlRuntime.cacheDir + ", cannot switch to " + dir);
      }
      setThreads(threads);
      return Engine.getEngine("PyTorch");
    }
    for (String name : new String[] {"PYTORCH_VERSION", "PYTORCH_LIBRARY_PATH", "PYTORCH_FLAVOR"}) {
      String v = System.getenv(name);
      if (v != null && !v.isEmpty() && !(name.equals("PYTORCH_VERSION") && v.startsWith(LIBTORCH_VERSION))) {
        throw new IllegalStateException(name + "=" + v + " is set: unset it, DJL must use the bundled libtorch "
            + LIBTORCH_VERSION);
      }
    }
    for (String name : new String[] {"DJL_CACHE_DIR", "ENGINE_CACHE_DIR", "DJL_OFFLINE"}) {
      if (System.getenv(name) != null) {
        log.warn("environment variable {}={} overrides the DJL setting made here", name, System.getenv(name));
      }
    }
    try {
      Files.createDirectories(dir.resolve("jna"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create DJL cache directory " + dir, e);
    }
    System.setProperty("ai.djl.offline", "true");
    System.setProperty("DJL_CACHE_DIR", dir.toString());
    System.setProperty("ENGINE_CACHE_DIR", dir.toString());
    System.setProperty("ai.djl.default_engine", "PyTorch");
    // Only the engine's own load applies these two; later changes go through JniUtils.
    System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
    System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    if (System.getProperty("jna.tmpdir") == null) {
      System.setProperty("jna.tmpdir", dir.resolve("jna").toString());
    }
    long t0 = System.nanoTime();
    Engine engine = Engine.getEngine("PyTorch");
    DjlRuntime.cacheDir = dir;
    setThreads(threads);
    log.info("DJL {} PyTorch {} loaded offline from {} in {} ms, {} threads", Engine.getDjlVersion(),
        engine.getVersion(), dir, (System.nanoTime() - t0) / 1_000_000, threads);
    return engine;
  }

  /** The engine; {@link #init} must have been called. */
  public static Engine engine() {
    if (cacheDir == null) {
      throw new IllegalStateException("DjlRuntime.init was not called");
    }
    return Engine.getEngine("PyTorch");
  }

  /** The cache directory the engine was loaded from, or null before {@link #init}. */
  public static synchronized Path cacheDir() {
    return cacheDir;
  }

  /** Intra-op thread count last set. */
  public static synchronized int threads() {
    return threads;
  }

  /** Changes libtorch's intra-op thread count (process-wide). */
  public static synchronized void setThreads(int n) {
    JniUtils.setNumThreads(n);
    threads = n;
  }

  /** Rows of {@code weight} picked by {@code tokens}: {@code [.., d]}. */
  public static NDArray embedding(NDArray tokens, NDArray weight) {
    return weight.getNDArrayInternal().embedding(tokens, weight, SparseFormat.DENSE).singletonOrThrow();
  }

  /** {@code x . weight^T} with {@code weight} stored {@code [out, in]}, no bias. */
  public static NDArray linear(NDArray x, NDArray weight) {
    return x.getNDArrayInternal().linear(x, weight, null).singletonOrThrow();
  }

  /** Element-wise logistic sigmoid. */
  public static NDArray sigmoid(NDArray x) {
    return x.getNDArrayInternal().sigmoid();
  }

  /** Clears the gradient torch accumulates into a parameter. */
  public static void zeroGradient(NDArray parameter) {
    JniUtils.zeroGrad((PtNDArray) parameter);
  }

  /**
   * Turns autograd recording off for the calling thread. libtorch's grad mode is thread-local and
   * on by default; DJL only turns it off on the thread that loaded the engine, and a Temporal
   * activity runs on some other thread.
   */
  public static void noGradOnThisThread() {
    JniUtils.setGradMode(false);
  }
}
