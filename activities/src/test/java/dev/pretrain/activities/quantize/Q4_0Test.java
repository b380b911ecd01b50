package dev.pretrain.activities.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class Q4_0Test {

  @Test
  void layoutScaleFromTheSignedMaximumAndNibbles() {
    float[] x = new float[32];
    x[0] = -8; // the largest magnitude, negative: d = -8 / -8 = 1
    x[1] = 3;
    x[16] = -3; // high nibble of byte 0
    x[17] = 7.4f;
    x[31] = 8; // would be code 16: clamped to 15
    byte[] q = Q4_0.quantize(x);
    assertEquals(18, q.length);
    assertEquals(1f, Q4_0.scale(q, 0));
    assertEquals(0x00, q[0] & 0xFF); // fp16 1.0 is 0x3C00, little-endian
    assertEquals(0x3C, q[1] & 0xFF);
    assertEquals(0 | (5 << 4), q[2] & 0xFF); // x[0] -> code 0, x[16] -> 5
    assertEquals(11 | (15 << 4), q[3] & 0xFF); // x[1] -> 11, x[17] -> trunc(15.9) = 15
    assertEquals(8 | (15 << 4), q[2 + 15] & 0xFF); // x[15] = 0 -> 8, x[31] clamped
    float[] y = Q4_0.dequantize(q, 32);
    assertEquals(-8f, y[0]);
    assertEquals(3f, y[1]);
    assertEquals(-3f, y[16]);
    assertEquals(7f, y[31]);
  }

  @Test
  void positiveMaximumGivesANegativeScale() {
    float[] x = new float[32];
    x[4] = 4;
    x[5] = -4; // same magnitude, later: the first one wins
    byte[] q = Q4_0.quantize(x);
    assertEquals(-0.5f, Q4_0.scale(q, 0));
    float[] y = Q4_0.dequantize(q, 32);
    assertEquals(4f, y[4]); // code 0
    assertEquals(-3.5f, y[5]); // code 16 clamped to 15
  }

  @Test
  void roundsHalfUpAfterTheOffset() {
    float[] x = new float[32];
    x[0] = -8; // d = 1
    x[1] = 0.5f; // 9.0 -> 9
    x[2] = -0.5f; // 8.0 -> 8
    x[3] = -7.5f; // 1.0 -> 1
    x[4] = 2.4999998f; // 10.9999998 rounds to 11.0 in fp32 -> 11
    byte[] q = Q4_0.quantize(x);
    int[] codes = new int[5];
    for (int j = 0; j < 5; j++) {
      codes[j] = q[2 + j] & 0x0F;
    }
    org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {0, 9, 8, 1, 11}, codes);
  }

  @Test
  void zeroBlocksTailsAndNegativeZero() {
    float[] x = new float[40];
    x[0] = -0.0f;
    for (int i = 32; i < 39; i++) {
      x[i] = i - 35;
    }
    byte[] q = Q4_0.quantize(x);
    assertEquals(36, q.length);
    // all zero: m stays +0, d = +0 / -8 = -0 (0x8000) as in llama.cpp's C reference, every code 8
    assertEquals(0x00, q[0] & 0xFF);
    assertEquals(0x80, q[1] & 0xFF);
    for (int j = 0; j < 16; j++) {
      assertEquals(0x88, q[2 + j] & 0xFF);
    }
    // tail: 8 real values, the 24 zeros of padding are code 8
    for (int j = 8; j < 16; j++) {
      assertEquals(0x88, q[18 + 2 + j] & 0xFF, "padding byte " + j);
    }
    float[] y = Q4_0.dequantize(q, 40);
    assertEquals(40, y.length);
    for (int i = 0; i < 32; i++) {
      assertEquals(0f, Math.abs(y[i]));
    }
    assertEquals(-3f, y[32]); // m = -3: d = 0.375, code 0
  }
}
