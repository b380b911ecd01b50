package dev.pretrain.activities.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class Fp16Test {

  private static int h(float f) {
    return Fp16.fromFloat(f) & 0xFFFF;
  }

  @Test
  void knownValues() {
    assertEquals(0x3C00, h(1f));
    assertEquals(0xC000, h(-2f));
    assertEquals(0x3555, h(1f / 3));
    assertEquals(0x2E66, h(0.1f));
    assertEquals(0x7BFF, h(65504f)); // largest finite half
    assertEquals(0x7BFF, h(65519f));
    assertEquals(0x7C00, h(65520f)); // tie between 65504 (odd) and 65536 (even): infinity
    assertEquals(0x7C00, h(1e6f));
    assertEquals(0xFC00, h(Float.NEGATIVE_INFINITY));
    assertEquals(0x0000, h(0f));
    assertEquals(0x8000, h(-0f));
    assertEquals(0x3C00, h(1 + 0x1p-11f)); // tie: to the even 1.0
    assertEquals(0x3C02, h(1 + 3 * 0x1p-11f)); // tie: to the even 1+2^-9
    assertTrue(Float.isNaN(Fp16.toFloat(Fp16.fromFloat(Float.NaN))));
  }

  @Test
  void subnormals() {
    assertEquals(0x0400, h(0x1p-14f)); // smallest normal
    assertEquals(0x03FF, h(1023 * 0x1p-24f)); // largest subnormal
    assertEquals(0x0001, h(0x1p-24f)); // smallest subnormal
    assertEquals(0x0010, h(0x1p-20f));
    assertEquals(0x0000, h(0x1p-25f)); // tie between 0 (even) and 2^-24
    assertEquals(0x0001, h(3 * 0x1p-26f)); // 0.75 of the smallest subnormal
    assertEquals(0x0002, h(3 * 0x1p-25f)); // 1.5 units: tie to even 2
    assertEquals(0x0400, h(1023.5f * 0x1p-24f)); // tie between 0x3FF (odd) and 0x400
    assertEquals(0x8001, h(-0x1p-24f));
    assertEquals(0x0000, h(Float.MIN_VALUE));
    assertEquals(0x1p-24f, Fp16.toFloat((short) 0x0001));
    assertEquals(1023 * 0x1p-24f, Fp16.toFloat((short) 0x03FF));
    assertEquals(-0x1p-14f, Fp16.toFloat((short) 0x8400));
  }

  @Test
  void everyHalfRoundTrips() {
    for (int bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7C00) == 0x7C00 && (bits & 0x3FF) != 0) {
        continue; // NaN payloads
      }
      assertEquals(bits, h(Fp16.toFloat((short) bits)), Integer.toHexString(bits));
    }
  }

  @Test
  void midpointsRoundToEvenAndNeighboursToNearest() {
    for (int bits = 0; bits < 0x7BFF; bits++) {
      float lo = Fp16.toFloat((short) bits);
      float hi = Fp16.toFloat((short) (bits + 1));
      float mid = (lo + hi) / 2; // exact: halves carry 11 significant bits
      assertEquals((bits & 1) == 0 ? bits : bits + 1, h(mid), "midpoint above " + Integer.toHexString(bits));
      assertEquals(bits, h(Math.nextDown(mid)));
      assertEquals(bits + 1, h(Math.nextUp(mid)));
      assertEquals(bits | 0x8000, h(-lo));
    }
  }
}
