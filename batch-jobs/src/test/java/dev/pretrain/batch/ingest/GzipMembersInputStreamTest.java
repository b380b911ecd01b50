package dev.pretrain.batch.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;
import org.junit.jupiter.api.Test;

class GzipMembersInputStreamTest {

  @Test
  void readsEveryMemberEvenFromAStreamThatNeverReportsAvailableBytes() throws IOException {
    byte[] a = randomBytes(1, 100_000);
    byte[] b = randomBytes(2, 3);
    byte[] c = randomBytes(3, 70_000);
    byte[] gz = concat(gzip(a), gzip(b), gzip(new byte[0]), gzip(c));
    assertArrayEquals(concat(a, b, c), readAll(new GzipMembersInputStream(trickle(gz))));
  }

  @Test
  void aCutStreamDeliversEverythingBeforeTheCutThenThrowsEof() throws IOException {
    byte[] data = randomBytes(4, 200_000);
    byte[] gz = gzip(data);
    byte[] cut = Arrays.copyOf(gz, gz.length / 2);
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    try (InputStream in = new GzipMembersInputStream(new ByteArrayInputStream(cut))) {
      byte[] buf = new byte[1 << 16];
      assertThrows(EOFException.class, () -> {
        for (int n; (n = in.read(buf, 0, buf.length)) >= 0; ) {
          got.write(buf, 0, n);
        }
      });
    }
    assertTrue(got.size() > data.length / 4, "delivered " + got.size() + " bytes before the cut");
    assertArrayEquals(Arrays.copyOf(data, got.size()), got.toByteArray());
  }

  @Test
  void garbageOrACutHeaderAfterAMemberIsAnErrorNotAnEnd() {
    byte[] one = gzip(randomBytes(5, 1000));
    assertThrows(ZipException.class, () -> readAll(new GzipMembersInputStream(
        new ByteArrayInputStream(concat(one, "trailing junk".getBytes())))));
    assertThrows(EOFException.class, () -> readAll(new GzipMembersInputStream(
        new ByteArrayInputStream(concat(one, new byte[] {0x1f})))));
    assertThrows(ZipException.class, () -> readAll(new GzipMembersInputStream(
        new ByteArrayInputStream("plain text".getBytes()))));
    assertThrows(EOFException.class, () -> readAll(new GzipMembersInputStream(new ByteArrayInputStream(new byte[0]))));
  }

  @Test
  void aDamagedTrailerIsDetected() {
    byte[] gz = gzip(randomBytes(6, 5000));
    gz[gz.length - 6] ^= 0x55; // inside the CRC-32
    ZipException e = assertThrows(ZipException.class, () -> readAll(new GzipMembersInputStream(new ByteArrayInputStream(gz))));
    assertTrue(e.getMessage().startsWith("gzip CRC mismatch in member 1 (trailer at compressed byte " + (gz.length - 8)
        + " says "), e.getMessage());
    assertTrue(e.getMessage().endsWith(" the 5000 decompressed bytes give " + String.format("%08x", crc32(randomBytes(6, 5000)))
        + ")"), e.getMessage());
  }

  /** Returns at most 7 bytes per read and claims nothing is available, like a slow network stream. */
  private static InputStream trickle(byte[] bytes) {
    return new ByteArrayInputStream(bytes) {
      @Override
      public synchronized int read(byte[] b, int off, int len) {
        return super.read(b, off, Math.min(len, 7));
      }

      @Override
      public synchronized int available() {
        return 0;
      }
    };
  }

  private static byte[] readAll(InputStream in) throws IOException {
    try (in) {
      return in.readAllBytes();
    }
  }

  private static byte[] randomBytes(long seed, int n) {
    byte[] b = new byte[n];
    Random r = new Random(seed);
    for (int i = 0; i < n; i++) {
      b[i] = (byte) ('a' + r.nextInt(20)); // compressible, like text
    }
    return b;
  }

  private static byte[] gzip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static long crc32(byte[] b) {
    java.util.zip.CRC32 c = new java.util.zip.CRC32();
    c.update(b);
    return c.getValue();
  }
}
