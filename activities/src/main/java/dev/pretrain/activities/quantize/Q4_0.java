package dev.pretrain.activities.quantize;

/**
 * llama.cpp's Q4_0 block quantization: blocks of 32 values, each stored as 18 bytes, an IEEE fp16
 * scale {@code d} (little-endian) followed by 16 bytes of 4-bit codes. Byte {@code j} holds value
 * {@code j} in its low nibble and value {@code j + 16} in its high nibble; a code {@code c} in
 * {@code [0, 15]} stands for {@code (c - 8) * d}.
 *
 * <p>The scale comes from the <em>signed</em> value of largest magnitude, {@code m}: {@code d = m / -8},
 * so {@code m} itself is stored exactly as code 0 ({@code -8 * d}), and the codes run the other
 * way up to 15 ({@code +7 d}). A value of the opposite sign and the same magnitude would need code
 * 16; it is clamped to 15, so the error is at most {@code d/2} on {@code m}'s side and at most
 * {@code d} on the other, plus what storing {@code d} in fp16 adds ({@code 8 * |d - fp16(d)|}).
 *
 * <p>Bit for bit what llama.cpp's reference quantizer writes (the one {@code llama-quantize} uses
 * without an importance matrix) and what gguf-py's {@code quants.Q4_0} writes, checked against the
 * latter's bytes in {@code QuantGoldenTest}:
 * <ul>
 *   <li>{@code m} is the first value of the block with the largest {@code |x|} (ties keep the earlier
 *       value); a block of zeros keeps {@code m = +0}, so its scale is {@code -0} ({@code 0x8000});
 *   <li>{@code d = m / -8} and {@code id = 1/d} (0 when {@code d == 0}) in fp32, the stored scale is
 *       {@code d} rounded to the nearest fp16 (ties to even);
 *   <li>the code is {@code min(15, trunc(x * id + 8.5))}, each step rounded to fp32 (no fused
 *       multiply-add), i.e. round half up of {@code x/d}, shifted by 8.
 * </ul>
 * The one known difference between the two references: a block of zeros whose first value is
 * {@code -0.0} gets scale {@code -0} here and in C, {@code +0} in gguf-py (which takes the first
 * element as the maximum); the values restore to 0 either way. Non-finite inputs are not supported
 * (export refuses them).
 *
 * <p>Tail: when {@code n % 32 != 0} the last block is padded with zeros (which never become the
 * maximum of a block that has a non-zero value), stored as code 8, and still takes 18 bytes;
 * {@link #dequantize} returns only the first {@code n} values. GGUF requires rows to be whole
 * blocks, so for export keep matrix rows a multiple of 32.
 */
public final class Q4_0 {

  public static final int BLOCK = 32;
  public static final int BLOCK_BYTES = 2 + BLOCK / 2;

  private Q4_0() {}

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
    float[] block = new float[BLOCK];
    for (int b = 0; b < blocks(n); b++) {
      int start = off + b * BLOCK;
      int len = Math.min(BLOCK, n - b * BLOCK);
      System.arraycopy(src, start, block, 0, len);
      java.util.Arrays.fill(block, len, BLOCK, 0f);
      float amax = 0;
      float max = 0;
      for (int j = 0; j < BLOCK; j++) {
        float a = Math.abs(block[j]);
        if (amax < a) {
          amax = a;
          max = block[j];
        }
      }
      float d = max / -8;
      float id = d != 0 ? 1.0f / d : 0.0f;
      int o = dstOff + b * BLOCK_BYTES;
      short h = Fp16.fromFloat(d);
      dst[o] = (byte) h;
      dst[o + 1] = (byte) (h >>> 8);
      for (int j = 0; j < BLOCK / 2; j++) {
        int lo = code(block[j], id);
        int hi = code(block[j + BLOCK / 2], id);
        dst[o + 2 + j] = (byte) (lo | (hi << 4));
      }
    }
  }

  /**
   * {@code min(15, (int) (x * id + 8.5f))}: {@code x * id} is at least -8 (up to rounding), so the sum
   * is positive. When {@code 1/d} overflowed (a block whose largest value is below about 2.4e-38, whose
   * fp16 scale is 0 anyway) the sum is infinite or NaN; C leaves that conversion undefined, x86 and
   * gguf-py give code 0, and so does this.
   */
  private static int code(float x, float id) {
    float v = x * id + 8.5f;
    return Float.isFinite(v) ? Math.min(15, (int) v) : 0;
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
        int packed = src[o + 2 + (j % (BLOCK / 2))] & 0xFF;
        int c = j < BLOCK / 2 ? packed & 0x0F : packed >>> 4;
        dst[dstOff + b * BLOCK + j] = (c - 8) * d;
      }
    }
  }

  /** The fp16 scale of the block starting at byte {@code offset}, as a float. */
  public static float scale(byte[] q, int offset) {
    return Fp16.toFloat((short) ((q[offset] & 0xFF) | (q[offset + 1] << 8)));
  }
}
