package dev.pretrain.activities.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdamWTest {

  /** torch.optim.AdamW's update written out in double, one scalar at a time. */
  static final class Reference {
    final double[] p;
    final double[] m;
    final double[] v;
    final boolean decay;

    Reference(float[] init, boolean decay) {
      p = new double[init.length];
      for (int i = 0; i < init.length; i++) {
        p[i] = init[i];
      }
      m = new double[init.length];
      v = new double[init.length];
      this.decay = decay;
    }

    void step(float[] g, double lr, long t, TrainConfig c) {
      for (int i = 0; i < p.length; i++) {
        if (decay) {
          p[i] *= 1 - lr * c.weightDecay();
        }
        m[i] = c.beta1() * m[i] + (1 - c.beta1()) * g[i];
        v[i] = c.beta2() * v[i] + (1 - c.beta2()) * g[i] * g[i];
        double mHat = m[i] / (1 - Math.pow(c.beta1(), t));
        double vHat = v[i] / (1 - Math.pow(c.beta2(), t));
        p[i] -= lr * mHat / (Math.sqrt(vHat) + c.eps());
      }
    }
  }

  @Test
  void matchesTheAdamWFormulaAndRestoresItsState() throws Exception {
    TrainConfig c = new TrainConfig(10, 1, 1, 0.01, 0.001, 1, 0.1, 0.9, 0.95, 1e-8, 1.0, 1, 0);
    try (NDManager manager = TestData.djl().newBaseManager()) {
      float[] w0 = {0.5f, -1.25f, 2f, 0.01f, -0.3f, 0f};
      float[] n0 = {1f, 1.5f, 0.75f};
      Parameter w = Parameter.builder().setName("w").setType(Parameter.Type.WEIGHT)
          .optArray(manager.create(w0, new Shape(2, 3))).build();
      Parameter n = Parameter.builder().setName("n").setType(Parameter.Type.GAMMA)
          .optArray(manager.create(n0, new Shape(3))).build();
      Map<String, Parameter> params = new LinkedHashMap<>();
      params.put("w", w);
      params.put("n", n);
      Reference rw = new Reference(w0, true);
      Reference rn = new Reference(n0, false); // 1-D: no decay
      float[][] gw = {{0.1f, -0.2f, 0.3f, 1e-4f, 5f, 0f}, {-0.1f, 0.2f, 0.05f, 0f, -5f, 1f}, {1f, 1f, 1f, 1f, 1f, 1f}};
      float[][] gn = {{0.01f, 0.02f, -0.03f}, {0.5f, 0f, 0.1f}, {-1f, 2f, 0f}};
      ByteArrayOutputStream saved = new ByteArrayOutputStream();
      try (AdamW opt = new AdamW(params, c, manager)) {
        for (int t = 1; t <= 3; t++) {
          double lr = c.learningRate(t - 1);
          opt.update(List.of(manager.create(gw[t - 1], new Shape(2, 3)), manager.create(gn[t - 1], new Shape(3))), lr, t);
          rw.step(gw[t - 1], lr, t, c);
          rn.step(gn[t - 1], lr, t, c);
          assertArrayEquals(toFloat(rw.p), w.getArray().toFloatArray(), 1e-6f, "w after step " + t);
          assertArrayEquals(toFloat(rn.p), n.getArray().toFloatArray(), 1e-6f, "n after step " + t);
          if (t == 2) {
            opt.save(new DataOutputStream(saved));
          }
        }
      }
      // moments written after step 2 and read back give the same step 3 from the same weights
      NDArray wAfter3 = w.getArray().duplicate();
      Reference again = new Reference(w0, true);
      again.step(gw[0], c.learningRate(0), 1, c);
      again.step(gw[1], c.learningRate(1), 2, c);
      w.getArray().set(toFloat(again.p));
      try (AdamW opt = new AdamW(params, c, manager)) {
        opt.load(new DataInputStream(new ByteArrayInputStream(saved.toByteArray())), manager);
        opt.update(List.of(manager.create(gw[2], new Shape(2, 3)), manager.create(gn[2], new Shape(3))),
            c.learningRate(2), 3);
      }
      assertArrayEquals(wAfter3.toFloatArray(), w.getArray().toFloatArray(), 1e-6f);
      assertEquals(6, wAfter3.size());
    }
  }

  private static float[] toFloat(double[] a) {
    float[] f = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      f[i] = (float) a[i];
    }
    return f;
  }
}
