package dev.pretrain.batch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Utf8Test {

  /** What the JDK's strict decoder says, the reference. */
  private static boolean jdkValid(byte[] b) {
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  private static byte[] bytes(int... v) {
    byte[] b = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = (byte) v[i];
    }
    return b;
  }

  @Test
  void agreesWithTheJdkOnTheEdgeCases() {
    byte[][] cases = {
        "plain ASCII".getBytes(StandardCharsets.UTF_8),
        "caf\u00e9 \u4e2d\u6587 \ud83d\ude00".getBytes(StandardCharsets.UTF_8),
        bytes(0xC0, 0xAF), bytes(0xC1, 0xBF), bytes(0xC2, 0x80), bytes(0xDF, 0xBF), bytes(0xC2),
        bytes(0xE0, 0x80, 0x80), bytes(0xE0, 0x9F, 0xBF), bytes(0xE0, 0xA0, 0x80), bytes(0xED, 0x9F, 0xBF),
        bytes(0xED, 0xA0, 0x80), bytes(0xED, 0xBF, 0xBF), bytes(0xEF, 0xBF, 0xBF), bytes(0xE1, 0x80),
        bytes(0xF0, 0x8F, 0xBF, 0xBF), bytes(0xF0, 0x90, 0x80, 0x80), bytes(0xF4, 0x8F, 0xBF, 0xBF),
        bytes(0xF4, 0x90, 0x80, 0x80), bytes(0xF5, 0x80, 0x80, 0x80), bytes(0xFF), bytes(0x80), bytes(0xBF),
        bytes(0xF0, 0x90, 0x80), bytes(0x41, 0xE2, 0x82, 0xAC, 0x42), bytes(0xE2, 0x28, 0xA1)};
    for (byte[] c : cases) {
      assertEquals(jdkValid(c), Utf8.isValid(c, 0), java.util.HexFormat.of().formatHex(c));
    }
  }

  @Test
  void agreesWithTheJdkOnRandomBytes() {
    Random rnd = new Random(7);
    for (int i = 0; i < 200_000; i++) {
      byte[] b = new byte[1 + rnd.nextInt(6)];
      rnd.nextBytes(b);
      if (rnd.nextBoolean()) {
        b[0] = (byte) (0xC0 + rnd.nextInt(0x40)); // bias towards lead bytes
      }
      assertEquals(jdkValid(b), Utf8.isValid(b, 0), java.util.HexFormat.of().formatHex(b));
    }
  }
}
