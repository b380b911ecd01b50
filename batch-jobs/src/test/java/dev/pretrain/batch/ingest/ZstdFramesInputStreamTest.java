package dev.pretrain.batch.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ZstdFramesInputStreamTest {

  static final byte[] ONE = text(1, 2_000);
  static final byte[] TWO = text(2, 300_000); // more than one block: output comes before the frame ends

  @Test
  void framesOneAfterTheOtherAreOneStream() throws IOException {
    byte[] file = concat(Zstd.compress(ONE, 3), Zstd.compress(new byte[0], 3), Zstd.compress(TWO, 19));
    assertArrayEquals(concat(ONE, TWO), readAll(file, new ByteArrayOutputStream()));
  }

  @Test
  void aCutInsideALaterFrameIsAnErrorAndWhatCameBeforeIsDelivered() {
    byte[] first = Zstd.compress(ONE, 3);
    byte[] file = concat(first, Zstd.compress(TWO, 3));
    for (int cut : new int[] {first.length + 5, file.length - 1}) {
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      EOFException e = assertThrows(EOFException.class, () -> readAll(Arrays.copyOf(file, cut), got));
      assertEquals("zstd frame 2 ends early at compressed byte " + cut, e.getMessage());
      byte[] delivered = got.toByteArray();
      assertTrue(delivered.length >= ONE.length, "frame 1 was delivered before the error");
      assertArrayEquals(Arrays.copyOf(concat(ONE, TWO), delivered.length), delivered);
    }
  }

  @Test
  void corruptDataAndGarbageAfterTheLastFrameAreErrors() {
    byte[] good;
    try (ZstdCompressCtx withChecksum = new ZstdCompressCtx().setLevel(3).setChecksum(true)) {
      good = withChecksum.compress(TWO); // as zstd's command line writes frames: corruption is detected
    }
    byte[] flipped = good.clone();
    flipped[good.length / 2] ^= 0x5a;
    IOException corrupt = assertThrows(IOException.class, () -> readAll(flipped, new ByteArrayOutputStream()));
    assertTrue(corrupt.getMessage().startsWith("corrupt zstd frame 1 near compressed byte "), corrupt.getMessage());
    byte[] trailing = concat(good, "not zstd".getBytes(StandardCharsets.US_ASCII));
    IOException garbage = assertThrows(IOException.class, () -> readAll(trailing, new ByteArrayOutputStream()));
    assertTrue(garbage.getMessage().startsWith("corrupt zstd frame 2 "), garbage.getMessage());
  }

  static byte[] readAll(byte[] file, ByteArrayOutputStream out) throws IOException {
    try (InputStream in = new ZstdFramesInputStream(new ByteArrayInputStream(file))) {
      byte[] buf = new byte[4096];
      for (int n; (n = in.read(buf, 0, buf.length)) >= 0; ) {
        out.write(buf, 0, n);
      }
    }
    return out.toByteArray();
  }

  static byte[] text(long seed, int lines) {
    Random r = new Random(seed);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < lines / 100; i++) {
      sb.append("{\"id\":\"").append(seed).append('-').append(i).append("\",\"text\":\"").append(r.nextLong())
          .append(' ').append(r.nextGaussian()).append("\"}\n");
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
