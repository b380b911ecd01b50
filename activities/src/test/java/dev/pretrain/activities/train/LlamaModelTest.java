package dev.pretrain.activities.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LlamaModelTest {

  static final ModelConfig SMALL = new ModelConfig(97, 16, 32, 2, 4, 96, 10000, 7);
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
  void logitsHaveShapeBatchTimeVocab() {
    try (LlamaModel model = LlamaModel.create(SMALL, manager)) {
      NDArray tokens = manager.arange(0, 3 * 11).reshape(3, 11).toType(ai.djl.ndarray.types.DataType.INT64, false);
      NDArray logits = model.forward(tokens);
      assertEquals(new Shape(3, 11, 97), logits.getShape());
      assertTrue(Float.isFinite(logits.sum().getFloat()));
      // an untrained model predicts nearly uniformly: loss close to ln(V) (targets differ from the
      // inputs: with a tied head the input token itself gets a slightly higher logit)
      NDArray targets = tokens.add(1);
      float loss = LlamaModel.crossEntropy(logits, targets).getFloat();
      assertEquals(Math.log(97), loss, 0.1);
    }
  }

  @Test
  void parameterCountMatchesDjlParameters() {
    for (ModelConfig c : new ModelConfig[] {SMALL, new ModelConfig(256, 128, 128, 4, 4, 352, 10000, 1)}) {
      try (LlamaModel model = LlamaModel.create(c, manager)) {
        long sum = 0;
        for (Parameter p : model.getParameters().values()) {
          sum += p.getArray().size();
        }
        assertEquals(c.parameterCount(), sum, c.toString());
        assertEquals(c.parameterCount(), model.actualParameterCount());
        assertEquals(2 + 9 * c.layers(), model.parameters().size());
      }
    }
    // the benchmark config is the ~0.84 M parameter model of docs/architecture.md §7
    assertEquals(836_736, new ModelConfig(256, 128, 128, 4, 4, 352, 10000, 1).parameterCount());
  }

  @Test
  void laterTokensDoNotChangeEarlierLogits() {
    try (LlamaModel model = LlamaModel.create(SMALL, manager)) {
      long[] a = {5, 17, 3, 44, 9, 12, 60, 2, 1, 33};
      long[] b = a.clone();
      b[6] = 90;
      b[9] = 0;
      float[] la = model.forward(manager.create(a, new Shape(1, a.length))).toFloatArray();
      float[] lb = model.forward(manager.create(b, new Shape(1, b.length))).toFloatArray();
      int v = SMALL.vocabSize();
      for (int t = 0; t < a.length; t++) {
        boolean same = true;
        for (int i = 0; i < v; i++) {
          same &= la[t * v + i] == lb[t * v + i];
        }
        if (t < 6) {
          assertTrue(same, "logits at position " + t + " changed when a later token changed");
        } else {
          assertFalse(same, "logits at position " + t + " should see the changed token");
        }
      }
    }
  }

  @Test
  void positionMatters() {
    // without positions, attention at the last token sees the same multiset {4, 8, 8} in both
    try (LlamaModel model = LlamaModel.create(SMALL, manager)) {
      float[] ab = model.forward(manager.create(new long[] {4, 8, 8}, new Shape(1, 3))).toFloatArray();
      float[] ba = model.forward(manager.create(new long[] {8, 4, 8}, new Shape(1, 3))).toFloatArray();
      int v = SMALL.vocabSize();
      float diff = 0;
      for (int i = 0; i < v; i++) {
        diff += Math.abs(ab[2 * v + i] - ba[2 * v + i]);
      }
      assertTrue(diff > 1e-4, "last-position logits must depend on order, diff " + diff);
    }
  }

  @Test
  void initialisationIsDeterministicInTheSeed() {
    try (LlamaModel a = LlamaModel.create(SMALL, manager);
        LlamaModel b = LlamaModel.create(SMALL, manager);
        LlamaModel c = LlamaModel.create(new ModelConfig(97, 16, 32, 2, 4, 96, 10000, 8), manager)) {
      Map<String, float[]> wa = a.weights();
      Map<String, float[]> wb = b.weights();
      Map<String, float[]> wc = c.weights();
      for (String name : wa.keySet()) {
        assertArrayEquals(wa.get(name), wb.get(name), name);
      }
      assertFalse(java.util.Arrays.equals(wa.get("blk.0.wq"), wc.get("blk.0.wq")));
      assertFalse(java.util.Arrays.equals(wa.get("blk.0.wq"), wa.get("blk.0.wk")));
      assertArrayEquals(new float[SMALL.dModel()], sub(wa.get("norm"), 1f), 0f);
    }
  }

  @Test
  void saveAndLoadRoundTripsEveryParameter() throws Exception {
    try (LlamaModel model = LlamaModel.create(SMALL, manager)) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      model.save(new DataOutputStream(bytes));
      try (LlamaModel back = LlamaModel.load(SMALL, manager,
          new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())))) {
        Map<String, float[]> w = model.weights();
        Map<String, float[]> wb = back.weights();
        assertEquals(w.keySet(), wb.keySet());
        for (String name : w.keySet()) {
          assertArrayEquals(w.get(name), wb.get(name), name);
        }
        try (LlamaModel copy = LlamaModel.fromWeights(SMALL, manager, w)) {
          long[] toks = {1, 2, 3, 4};
          assertArrayEquals(back.forward(manager.create(toks, new Shape(1, 4))).toFloatArray(),
              copy.forward(manager.create(toks, new Shape(1, 4))).toFloatArray(), 0f);
        }
      }
    }
  }

  @Test
  void rejectsBadShapes() {
    assertThrows(IllegalArgumentException.class, () -> new ModelConfig(97, 16, 30, 2, 4, 96, 10000, 7));
    try (LlamaModel model = LlamaModel.create(SMALL, manager)) {
      assertThrows(IllegalArgumentException.class, () -> model.forward(manager.zeros(new Shape(1, 17))));
    }
  }

  private static float[] sub(float[] a, float x) {
    float[] out = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i] - x;
    }
    return out;
  }
}
