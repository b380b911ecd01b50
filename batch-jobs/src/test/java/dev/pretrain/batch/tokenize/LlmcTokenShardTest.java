package dev.pretrain.batch.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlmcTokenShardTest {

  @TempDir Path tmp;

  @Test
  void writesTheLlmcLayoutAndReadsItBack() throws Exception {
    int[] tokens = {50256, 15496, 11, 995, 0, 65535};
    Path file = tmp.resolve("t.bin");
    LlmcTokenShard.write(file, tokens);

    byte[] bytes = Files.readAllBytes(file);
    assertEquals(1024 + 2 * tokens.length, bytes.length);
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(20240520, b.getInt(0));
    assertEquals(1, b.getInt(4));
    assertEquals(tokens.length, b.getInt(8));
    for (int i = 3; i < 256; i++) {
      assertEquals(0, b.getInt(i * 4), "header int " + i);
    }
    assertEquals(50256, Short.toUnsignedInt(b.getShort(1024)));
    assertArrayEquals(tokens, LlmcTokenShard.read(file));
    assertEquals(tokens.length, LlmcTokenShard.readHeader(file).tokenCount());
  }

  @Test
  void rejectsABadMagicNumberWithAClearMessage() {
    byte[] bytes = shard(4);
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 12345);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LlmcTokenShard.read(new ByteArrayInputStream(bytes), "s3://b/x.bin"));
    assertEquals("s3://b/x.bin: not an llm.c token shard: magic number is 12345, expected 20240520", e.getMessage());
  }

  @Test
  void namesTheUint32VariantAndABadVersion() {
    byte[] v7 = shard(4);
    ByteBuffer.wrap(v7).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 20240801).putInt(4, 7);
    assertEquals("x.bin: llm.c shard with uint32 tokens (magic 20240801, version 7); only the uint16 format"
            + " (magic 20240520, version 1) is supported",
        assertThrows(IllegalArgumentException.class, () -> LlmcTokenShard.read(new ByteArrayInputStream(v7), "x.bin"))
            .getMessage());

    byte[] v2 = shard(4);
    ByteBuffer.wrap(v2).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 2);
    assertEquals("x.bin: llm.c token shard version 2, expected 1",
        assertThrows(IllegalArgumentException.class, () -> LlmcTokenShard.read(new ByteArrayInputStream(v2), "x.bin"))
            .getMessage());
  }

  @Test
  void rejectsCountsThatDisagreeWithTheFile() {
    byte[] full = shard(4);
    assertEquals("x.bin: truncated llm.c token shard: header says 4 tokens but only 7 token bytes follow (expected 8)",
        assertThrows(IllegalArgumentException.class,
            () -> LlmcTokenShard.read(new ByteArrayInputStream(Arrays.copyOf(full, full.length - 1)), "x.bin"))
            .getMessage());
    assertEquals("x.bin: llm.c token shard has bytes after its 4 tokens (header count too small, or not one shard)",
        assertThrows(IllegalArgumentException.class,
            () -> LlmcTokenShard.read(new ByteArrayInputStream(Arrays.copyOf(full, full.length + 2)), "x.bin"))
            .getMessage());
    assertEquals("x.bin: not an llm.c token shard: 10 bytes, shorter than the 1024-byte header",
        assertThrows(IllegalArgumentException.class,
            () -> LlmcTokenShard.read(new ByteArrayInputStream(new byte[10]), "x.bin")).getMessage());
  }

  @Test
  void refusesTokenIdsThatDoNotFitUint16() {
    assertThrows(IllegalArgumentException.class, () -> LlmcTokenShard.write(tmp.resolve("big.bin"), new int[] {65536}));
  }

  private static byte[] shard(int tokens) {
    byte[] b = new byte[1024 + 2 * tokens];
    System.arraycopy(LlmcTokenShard.header(tokens), 0, b, 0, 1024);
    return b;
  }
}
