package dev.pretrain.batch.tokenize.bpe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ByteLevelTest {

  @Test
  void gpt2Mapping() {
    assertEquals('Ġ', ByteLevel.charOf(' '));
    assertEquals('Ċ', ByteLevel.charOf('\n'));
    assertEquals('ĉ', ByteLevel.charOf('\t'));
    assertEquals('Ā', ByteLevel.charOf(0));
    assertEquals('!', ByteLevel.charOf('!'));
    assertEquals('ÿ', ByteLevel.charOf(0xff));
    assertEquals('Ń', ByteLevel.charOf(0xad)); // soft hyphen, the last unprintable byte
    Set<Character> chars = new HashSet<>();
    byte[] all = new byte[256];
    for (int b = 0; b < 256; b++) {
      chars.add(ByteLevel.charOf(b));
      all[b] = (byte) b;
    }
    assertEquals(256, chars.size());
    assertArrayEquals(all, ByteLevel.decode(ByteLevel.encode(all)));
    assertThrows(IllegalArgumentException.class, () -> ByteLevel.decode("€"));
  }
}
