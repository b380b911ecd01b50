package dev.pretrain.activities.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.lang.ref.WeakReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The backward pass must not read memory that the JVM may already have freed. DJL backs a CPU
 * tensor made from Java data with a direct buffer that only the Java array object keeps alive; an
 * op such as {@code mul(Number)} closes its scalar at once, while autograd keeps the tensor for the
 * backward pass. A garbage collection between forward and backward then frees the scalar's memory
 * and the gradient is computed from whatever lies there (wrong, and now and then not finite).
 */
class GradientAfterGcTest {

  static final ModelConfig SMALL = new ModelConfig(97, 16, 32, 2, 4, 96, 10000, 7);
  static NDManager manager;

  @BeforeAll
  static void setUp() {
    manager = TestData.djl().newBaseManager();
    DjlRuntime.setThreads(1);
  }

  @AfterAll
  static void tearDown() {
    manager.close();
  }

  @Test
  void gradientsAreTheSameWhenTheJvmCollectsGarbageBetweenForwardAndBackward() throws Exception {
    Map<String, float[]> reference = gradients(false);
    Map<String, float[]> afterGc = gradients(true);
    for (Map.Entry<String, float[]> e : reference.entrySet()) {
      float[] g = afterGc.get(e.getKey());
      for (float x : g) {
        assertTrue(Float.isFinite(x), "gradient of " + e.getKey() + " is not finite after a GC");
      }
      assertArrayEquals(e.getValue(), g, "gradient of " + e.getKey() + " changed by a GC between forward and backward");
    }
  }

  private Map<String, float[]> gradients(boolean collectGarbage) throws InterruptedException {
    long[] tokens = new long[2 * 12];
    long[] targets = new long[tokens.length];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = (i * 31L + 7) % SMALL.vocabSize();
      targets[i] = (i * 17L + 3) % SMALL.vocabSize();
    }
    Map<String, float[]> out = new LinkedHashMap<>();
    try (LlamaModel model = LlamaModel.create(SMALL, manager); NDScope ignored = new NDScope()) {
      NDArray x = manager.create(tokens, new Shape(2, 12));
      NDArray y = manager.create(targets, new Shape(2, 12));
      try (GradientCollector gc = DjlRuntime.engine().newGradientCollector()) {
        NDArray loss = LlamaModel.crossEntropy(model.forward(x), y);
        if (collectGarbage) {
          collectAndFreeUnreachableDirectBuffers();
        }
        gc.backward(loss);
      }
      DjlRuntime.noGradOnThisThread();
      for (Map.Entry<String, Parameter> e : model.parameters().entrySet()) {
        out.put(e.getKey(), e.getValue().getArray().getGradient().toFloatArray());
      }
    }
    return out;
  }

  /** Runs GCs until a canary object is gone, then gives the cleaner thread time to free native memory. */
  private static void collectAndFreeUnreachableDirectBuffers() throws InterruptedException {
    WeakReference<Object> canary = new WeakReference<>(new Object());
    for (int i = 0; i < 50 && canary.get() != null; i++) {
      System.gc();
      Thread.sleep(20);
    }
    System.gc();
    Thread.sleep(200);
    // fresh allocations of the same small size may take over the freed memory
    List<java.nio.ByteBuffer> filler = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(4);
      b.putFloat(0, Float.NaN);
      filler.add(b);
    }
  }
}
