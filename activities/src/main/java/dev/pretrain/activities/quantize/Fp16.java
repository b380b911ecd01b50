package dev.pretrain.activities.quantize;

/**
 * IEEE 754 binary16 conversions (Java 17 has no {@code Float.floatToFloat16}, added in Java 20).
 * float to half rounds to nearest, ties to even, with gradual underflow to subnormals, overflow
 * to infinity, and NaN kept NaN (quiet, payload truncated).
 */
public final class Fp16 {

  private Fp16() {}

  /** The binary16 bit pattern nearest to {@code f}. */
  public static short fromFloat(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int exp = (bits >>> 23) & 0xFF;
    int mant = bits & 0x7FFFFF;
    if (exp == 0xFF) {
      return (short) (sign | 0x7C00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
    }
    int e = exp - 127 + 15; // half exponent field if normal
    if (e >= 0x1F) {
      return (short) (sign | 0x7C00);
    }
    if (e <= 0) {
      // subnormal half (or zero): value in units of 2^-24 is M * 2^(e-14), M with the implicit bit
      if (exp == 0) {
        return (short) sign; // float subnormals are far below half's smallest subnormal
      }
      int m = mant | 0x800000;
      int shift = 14 - e;
      if (shift > 24) {
        return (short) sign; // below half the smallest subnormal: rounds to zero
      }
      return (short) (sign | roundShift(m, shift)); // a carry into 0x400 is the smallest normal
    }
    // normal: keep 10 mantissa bits; a carry may ripple into the exponent (up to infinity), as it should
    return (short) (sign | ((e << 10) + roundShift(mant, 13)));
  }

  /** The float value of a binary16 bit pattern (exact). */
  public static float toFloat(short h) {
    int bits = h & 0xFFFF;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1F;
    int mant = bits & 0x3FF;
    if (exp == 0) {
      float v = mant * 0x1p-24f;
      return sign != 0 ? -v : v;
    }
    if (exp == 0x1F) {
      return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
    }
    return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
  }

  /** {@code value >> shift}, rounded to nearest, ties to even. */
  private static int roundShift(int value, int shift) {
    int r = value >>> shift;
    int rem = value & ((1 << shift) - 1);
    int half = 1 << (shift - 1);
    if (rem > half || (rem == half && (r & 1) == 1)) {
      r++;
    }
    return r;
  }
}
