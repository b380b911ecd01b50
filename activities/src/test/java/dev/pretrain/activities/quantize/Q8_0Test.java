package dev.pretrain.activities.quantize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Q8_0Test {

  @Test
  void roundTripErrorIsWithinHalfAStepPerBlock() {
    Random r = new Random(42);
    for (int n : new int[] {1, 31, 32, 33, 100, 4096}) {
      float[] x = new float[n];
      for (int i = 0; i < n; i++) {
        // blocks of very different magnitudes, some with outliers
        double scale = Math.pow(10, (i / 32) % 7 - 4);
        x[i] = (float) (r.nextGaussian() * scale * (r.nextInt(50) == 0 ? 20 : 1));
      }
      byte[] q = Q8_0.quantize(x);
      assertEquals(Q8_0.blocks(n) * 34, q.length);
      float[] y = Q8_0.dequantize(q, n);
      assertEquals(n, y.length);
      for (int b = 0; b < Q8_0.blocks(n); b++) {
        float amax = 0;
        for (int j = b * 32; j < Math.min(n, b * 32 + 32); j++) {
          amax = Math.max(amax, Math.abs(x[j]));
        }
        float d32 = amax / 127;
        float d16 = Q8_0.scale(q, b * 34);
        for (int j = b * 32; j < Math.min(n, b * 32 + 32); j++) {
          int qj = q[b * 34 + 2 + (j - b * 32)];
          // rounding with the fp32 scale: within d/2
          assertTrue(Math.abs(x[j] - qj * d32) <= d32 / 2 * (1 + 1e-6), "block " + b + " value " + j);
          // the stored fp16 scale adds at most 127 * |d32 - d16|
          double bound = d16 / 2.0 + 127 * Math.abs(d32 - d16) + 1e-6 * d32;
          assertTrue(Math.abs(x[j] - y[j]) <= bound, "block " + b + " value " + j + ": " + x[j] + " vs " + y[j]);
          if (d16 >= 0x1p-14f) { // normal fp16 scale: relative error <= 2^-11, so 127 * 2^-11 < 1/16
            assertTrue(Math.abs(x[j] - y[j]) <= 0.5625 * d32);
          }
        }
      }
    }
  }

  /**
   * Byte for byte what gguf-py's reference quantizer (llama.cpp's Python package) writes for the
   * same values: scales, rounding, block layout. The files come from
   * {@code activities/src/test/python/q8_0_golden.py}.
   */
  @Test
  void bytesMatchTheReferenceQuantizer() throws IOException {
    byte[] raw = golden("q8_0-input.f32");
    float[] x = new float[raw.length / 4];
    ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(x);
    byte[] expected = golden("q8_0-gguf.bin");
    assertEquals(Q8_0.blocks(x.length) * Q8_0.BLOCK_BYTES, expected.length);
    byte[] actual = Q8_0.quantize(x);
    for (int b = 0; b < Q8_0.blocks(x.length); b++) {
      int off = b * Q8_0.BLOCK_BYTES;
      assertArrayEquals(Arrays.copyOfRange(expected, off, off + Q8_0.BLOCK_BYTES),
          Arrays.copyOfRange(actual, off, off + Q8_0.BLOCK_BYTES), "block " + b);
    }
  }

  private static byte[] golden(String name) throws IOException {
    try (InputStream in = Q8_0Test.class.getResourceAsStream("/golden/" + name)) {
      if (in == null) {
        throw new IOException("missing golden file " + name + " (activities/src/test/python/q8_0_golden.py writes it)");
      }
      return in.readAllBytes();
    }
  }

  @Test
  void roundsHalvesAwayFromZeroLikeRoundf() {
    float[] x = new float[32];
    x[0] = 127; // d = 1 exactly
    x[1] = 2.5f;
    x[2] = -2.5f;
    x[3] = 0.5f;
    x[4] = -0.5f;
    x[5] = 0.49999997f;
    byte[] q = Q8_0.quantize(x);
    assertArrayEquals(new byte[] {127, 3, -3, 1, -1, 0}, java.util.Arrays.copyOfRange(q, 2, 8));
  }

  @Test
  void tailIsZeroPaddedAndZeroBlocksStayZero() {
    float[] x = new float[40];
    for (int i = 32; i < 40; i++) {
      x[i] = i;
    }
    byte[] q = Q8_0.quantize(x);
    assertEquals(68, q.length);
    assertEquals(0f, Q8_0.scale(q, 0)); // all-zero block: d = 0, q = 0
    for (int j = 8; j < 32; j++) {
      assertEquals(0, q[34 + 2 + j], "padding");
    }
    float[] y = Q8_0.dequantize(q, 40);
    for (int i = 0; i < 32; i++) {
      assertEquals(0f, y[i]);
    }
    assertEquals(39f, y[39], 39f / 127);
  }

  @Test
  void subnormalScales() {
    float[] x = new float[32];
    x[0] = 127 * 0x1p-20f; // d = 2^-20, an fp16 subnormal, exact
    x[1] = -5 * 0x1p-20f;
    byte[] q = Q8_0.quantize(x);
    assertEquals(0x10, q[0]);
    assertEquals(0, q[1]);
    float[] y = Q8_0.dequantize(q, 32);
    assertEquals(x[0], y[0]);
    assertEquals(x[1], y[1]);
    // below half the smallest fp16 subnormal the scale flushes to 0, as in llama.cpp
    x = new float[32];
    x[0] = 1e-9f;
    assertEquals(0f, Q8_0.dequantize(Q8_0.quantize(x), 32)[0]);
  }
}
