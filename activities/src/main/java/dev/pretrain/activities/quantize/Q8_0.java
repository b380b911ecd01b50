package dev.pretrain.activities.quantize;

/**
 * llama.cpp's Q8_0 block quantization: blocks of 32 values, each stored as 34 bytes, an IEEE fp16
 * scale {@code d = max|x| / 127} (little-endian) followed by 32 int8 {@code q = round(x / d)}; a
 * value is restored as {@code q * d}. As in llama.cpp's reference quantizer, q is computed with the
 * fp32 scale and rounded half away from zero ({@code roundf}), so the bytes match what llama.cpp
 * writes for the same floats. Error per value: at most {@code d/2} against the fp32 scale, plus
 * {@code 127 * |d - fp16(d)|} (at most about 0.062 d) from storing the scale in fp16.
 *
 * <p>Tail: when {@code n % 32 != 0} the last block is padded with zeros (which do not change its
 * max) and still takes 34 bytes; {@link #dequantize} returns only the first {@code n} values.
 * GGUF requires rows to be whole blocks, so for export keep matrix rows a multiple of 32.
 */
public final class Q8_0 {

  public static final int BLOCK = 32;
  public static final int BLOCK_BYTES = 2 + BLOCK;

  private Q8_0() {}

  /** Number of blocks holding {@code n} values. */
  public static int blocks(long n) {
    return Math.toIntExact((n + BLOCK - 1) / BLOCK);
  }

  /** Bytes holding {@code n} values. */
  public static long bytes(long n) {
    return (long) blocks(n) * BLOCK_BYTES;
  }

  public static byte[] quantize(float[] x) {
    byte[] out = new byte[Math.toIntExact(bytes(x.length))];
    quantize(x, 0, x.length, out, 0);
    return out;
  }

  /** Quantizes {@code src[off, off+n)} into {@code blocks(n)} blocks at {@code dst[dstOff..]}. */
  public static void quantize(float[] src, int off, int n, byte[] dst, int dstOff) {
    for (int b = 0; b < blocks(n); b++) {
      int start = off + b * BLOCK;
      int len = Math.min(BLOCK, n - b * BLOCK);
      float amax = 0;
      for (int j = 0; j < len; j++) {
        amax = Math.max(amax, Math.abs(src[start + j]));
      }
      float d = amax / 127;
      float id = d != 0 ? 1.0f / d : 0.0f;
      int o = dstOff + b * BLOCK_BYTES;
      short h = Fp16.fromFloat(d);
      dst[o] = (byte) h;
      dst[o + 1] = (byte) (h >>> 8);
      for (int j = 0; j < BLOCK; j++) {
        dst[o + 2 + j] = j < len ? code(src[start + j] * id) : 0;
      }
    }
  }

  public static float[] dequantize(byte[] q, int n) {
    if (q.length < bytes(n)) {
      throw new IllegalArgumentException(n + " values need " + bytes(n) + " bytes, got " + q.length);
    }
    float[] out = new float[n];
    dequantize(q, 0, n, out, 0);
    return out;
  }

  /** Restores {@code n} values from the blocks at {@code src[srcOff..]} into {@code dst[dstOff..]}. */
  public static void dequantize(byte[] src, int srcOff, int n, float[] dst, int dstOff) {
    for (int b = 0; b < blocks(n); b++) {
      int o = srcOff + b * BLOCK_BYTES;
      float d = scale(src, o);
      int len = Math.min(BLOCK, n - b * BLOCK);
      for (int j = 0; j < len; j++) {
        dst[dstOff + b * BLOCK + j] = src[o + 2 + j] * d;
      }
    }
  }

  /** The fp16 scale of the block starting at byte {@code offset}, as a float. */
  public static float scale(byte[] q, int offset) {
    return Fp16.toFloat((short) ((q[offset] & 0xFF) | (q[offset + 1] << 8)));
  }

  /**
   * {@code (int8_t) roundf(v)}. When {@code 1/d} overflowed (a block whose largest value is below
   * about 3.7e-37, whose fp16 scale is 0 anyway) {@code v} is infinite or NaN; C leaves that
   * conversion undefined, x86 and gguf-py give 0, and so does this.
   */
  private static byte code(float v) {
    return Float.isFinite(v) ? (byte) roundAway(v) : 0;
  }

  /** C's roundf: half away from zero (Math.round rounds -2.5 to -2). Exact in double for any float. */
  static int roundAway(float x) {
    double a = Math.floor(Math.abs((double) x) + 0.5);
    return (int) (x < 0 ? -a : a);
  }
}
