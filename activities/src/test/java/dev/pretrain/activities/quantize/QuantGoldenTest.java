package dev.pretrain.activities.quantize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Our {@link Q8_0} and {@link Q4_0} against gguf-py (the llama.cpp project's Python package, the
 * version named in {@code cases.json}): the same bytes for every block of every case, the same
 * values back from the same bytes, and per-value error bounds. The files under
 * {@code src/test/resources/gguf-golden/} come from {@code activities/src/test/python/gguf_golden.py};
 * no Python is needed here.
 */
class QuantGoldenTest {

  record Case(String name, int offset, int n, int padded) {}

  private static List<Case> cases;
  private static float[] input;

  @BeforeAll
  static void load() throws IOException {
    JsonNode root = new ObjectMapper().readTree(golden("cases.json"));
    assertEquals(32, root.get("block").asInt());
    cases = new ArrayList<>();
    for (JsonNode c : root.get("cases")) {
      cases.add(new Case(c.get("name").asText(), c.get("offset").asInt(), c.get("n").asInt(), c.get("padded").asInt()));
    }
    input = floats(golden("input.f32"));
    Case last = cases.get(cases.size() - 1);
    assertEquals(last.offset() + last.padded(), input.length);
  }

  @Test
  void q8_0BytesEqualTheReference() throws IOException {
    byte[] expected = golden("q8_0.bin");
    assertEquals(Q8_0.bytes(input.length), expected.length);
    int blocks = 0;
    for (Case c : cases) {
      byte[] actual = new byte[Math.toIntExact(Q8_0.bytes(c.n()))];
      Q8_0.quantize(input, c.offset(), c.n(), actual, 0);
      blocks += sameBlocks(c, expected, c.offset() / 32 * Q8_0.BLOCK_BYTES, actual, Q8_0.BLOCK_BYTES);
    }
    assertEquals(input.length / 32, blocks);
    System.out.printf("Q8_0: %d cases, %d blocks byte-identical to gguf-py%n", cases.size(), blocks);
  }

  @Test
  void q4_0BytesEqualTheReference() throws IOException {
    byte[] expected = golden("q4_0.bin");
    assertEquals(Q4_0.bytes(input.length), expected.length);
    int blocks = 0;
    for (Case c : cases) {
      byte[] actual = new byte[Math.toIntExact(Q4_0.bytes(c.n()))];
      Q4_0.quantize(input, c.offset(), c.n(), actual, 0);
      blocks += sameBlocks(c, expected, c.offset() / 32 * Q4_0.BLOCK_BYTES, actual, Q4_0.BLOCK_BYTES);
    }
    assertEquals(input.length / 32, blocks);
    System.out.printf("Q4_0: %d cases, %d blocks byte-identical to gguf-py%n", cases.size(), blocks);
  }

  /** Dequantizing the reference bytes gives the reference floats, bit for bit (NaN equals NaN). */
  @Test
  void dequantizationEqualsTheReference() throws IOException {
    float[] q8 = Q8_0.dequantize(golden("q8_0.bin"), input.length);
    float[] q4 = Q4_0.dequantize(golden("q4_0.bin"), input.length);
    float[] q8Ref = floats(golden("q8_0-deq.f32"));
    float[] q4Ref = floats(golden("q4_0-deq.f32"));
    for (int i = 0; i < input.length; i++) {
      assertEquals(q8Ref[i], q8[i], "Q8_0 value " + i + " (" + caseOf(i).name() + ")");
      assertEquals(q4Ref[i], q4[i], "Q4_0 value " + i + " (" + caseOf(i).name() + ")");
    }
  }

  /**
   * Error bounds, for blocks whose scale is an ordinary number: Q8_0 within {@code d/2} of the fp32
   * scale plus {@code 127 |d32 - d16|}; Q4_0 within {@code |d|/2} plus {@code 8 |d32 - d16|}, except
   * values clamped to code 15 (the side opposite the block's maximum), within {@code |d|}.
   */
  @Test
  void dequantizationErrorIsBounded() {
    int checked = 0;
    double worstQ8 = 0;
    double worstQ4 = 0;
    for (Case c : cases) {
      byte[] q8 = new byte[Math.toIntExact(Q8_0.bytes(c.n()))];
      byte[] q4 = new byte[Math.toIntExact(Q4_0.bytes(c.n()))];
      Q8_0.quantize(input, c.offset(), c.n(), q8, 0);
      Q4_0.quantize(input, c.offset(), c.n(), q4, 0);
      float[] y8 = Q8_0.dequantize(q8, c.n());
      float[] y4 = Q4_0.dequantize(q4, c.n());
      for (int b = 0; b < Q8_0.blocks(c.n()); b++) {
        int from = b * 32;
        int to = Math.min(c.n(), from + 32);
        float amax = 0;
        float max = 0;
        for (int j = from; j < to; j++) {
          float v = input[c.offset() + j];
          if (amax < Math.abs(v)) {
            amax = Math.abs(v);
            max = v;
          }
        }
        float d8 = amax / 127;
        float d4 = max / -8;
        float s8 = Q8_0.scale(q8, b * Q8_0.BLOCK_BYTES);
        float s4 = Q4_0.scale(q4, b * Q4_0.BLOCK_BYTES);
        for (int j = from; j < to; j++) {
          float x = input[c.offset() + j];
          String where = c.name() + ", value " + j;
          if (ordinary(d8, s8)) {
            double err = Math.abs(x - y8[j]);
            assertTrue(err <= d8 * 0.5 * (1 + 1e-5) + 127 * Math.abs(d8 - s8), "Q8_0 " + where + ": error " + err);
            worstQ8 = Math.max(worstQ8, err / d8);
          }
          if (ordinary(d4, s4)) {
            double err = Math.abs(x - y4[j]);
            boolean clamped = x / d4 > 7.5;
            double step = Math.abs(d4) * (clamped ? 1 : 0.5) * (1 + 1e-5);
            assertTrue(err <= step + 8 * Math.abs(d4 - s4), "Q4_0 " + where + ": error " + err + (clamped ? " (clamped)" : ""));
            worstQ4 = Math.max(worstQ4, err / Math.abs(d4));
            checked++;
          }
        }
      }
    }
    assertTrue(checked > 700, "checked " + checked);
    System.out.printf("worst error in steps of the fp32 scale: Q8_0 %.4f, Q4_0 %.4f (%d values)%n", worstQ8, worstQ4,
        checked);
  }

  /** A scale that is a normal fp16 and whose reciprocal is finite: the bounds apply. */
  private static boolean ordinary(float d32, float d16) {
    return d32 != 0 && Float.isFinite(1 / d32) && Float.isFinite(d16) && Math.abs(d16) >= 0x1p-14f;
  }

  private static int sameBlocks(Case c, byte[] expected, int expectedOff, byte[] actual, int blockBytes) {
    int blocks = actual.length / blockBytes;
    assertEquals(c.padded() / 32, blocks, c.name());
    for (int b = 0; b < blocks; b++) {
      int e = expectedOff + b * blockBytes;
      assertArrayEquals(Arrays.copyOfRange(expected, e, e + blockBytes),
          Arrays.copyOfRange(actual, b * blockBytes, (b + 1) * blockBytes), c.name() + ", block " + b);
    }
    return blocks;
  }

  private static Case caseOf(int index) {
    for (Case c : cases) {
      if (index >= c.offset() && index < c.offset() + c.padded()) {
        return c;
      }
    }
    throw new IllegalArgumentException("no case holds value " + index);
  }

  private static float[] floats(byte[] raw) {
    float[] x = new float[raw.length / 4];
    ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(x);
    return x;
  }

  private static byte[] golden(String name) throws IOException {
    try (InputStream in = QuantGoldenTest.class.getResourceAsStream("/gguf-golden/" + name)) {
      if (in == null) {
        throw new IOException("missing golden file " + name + " (activities/src/test/python/gguf_golden.py writes it)");
      }
      return in.readAllBytes();
    }
  }
}
