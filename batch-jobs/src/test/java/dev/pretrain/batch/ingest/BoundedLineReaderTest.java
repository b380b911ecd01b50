package dev.pretrain.batch.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BoundedLineReaderTest {

  /**
   * Memory stays bounded by the cap: a 3 GiB line cannot fit in any Java array, so reading past it
   * (and on to the next line) shows that the reader never holds a whole over-long line.
   */
  @Test
  void aLineLargerThanAnyArrayIsMeasuredSkippedAndReadingResumesAtTheNextNewline() throws IOException {
    long huge = 3L << 30;
    byte[] before = "{\"text\":\"before\"}\n".getBytes(StandardCharsets.UTF_8);
    byte[] after = "\n{\"text\":\"after\"}".getBytes(StandardCharsets.UTF_8); // no final newline
    BoundedLineReader reader = new BoundedLineReader(new Generated(before, huge, after), 1 << 20);

    BoundedLineReader.Line first = reader.next();
    assertArrayEquals(Arrays.copyOf(before, before.length - 1), first.bytes());

    BoundedLineReader.Line big = reader.next();
    assertEquals(2, big.number());
    assertEquals(before.length, big.offset());
    assertEquals(huge, big.length());
    assertNull(big.bytes(), "over the cap: not kept");
    assertEquals(BoundedLineReader.HEAD_BYTES, big.head().length);

    BoundedLineReader.Line last = reader.next();
    assertEquals(3, last.number());
    assertEquals(before.length + huge + 1, last.offset());
    assertEquals("{\"text\":\"after\"}", new String(last.bytes(), StandardCharsets.UTF_8));
    assertNull(reader.next());
  }

  /** {@code head}, then {@code fill} bytes of 'x' (never materialized), then {@code tail}. */
  private static final class Generated extends InputStream {
    private final byte[] head;
    private final long fill;
    private final byte[] tail;
    private final byte[] block = new byte[1 << 16];
    private long pos;

    Generated(byte[] head, long fill, byte[] tail) {
      this.head = head;
      this.fill = fill;
      this.tail = tail;
      Arrays.fill(block, (byte) 'x');
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      long total = head.length + fill + tail.length;
      if (pos >= total) {
        return -1;
      }
      int n;
      if (pos < head.length) {
        n = Math.min(len, head.length - (int) pos);
        System.arraycopy(head, (int) pos, b, off, n);
      } else if (pos < head.length + fill) {
        n = (int) Math.min(Math.min(len, block.length), head.length + fill - pos);
        System.arraycopy(block, 0, b, off, n);
      } else {
        int at = (int) (pos - head.length - fill);
        n = Math.min(len, tail.length - at);
        System.arraycopy(tail, at, b, off, n);
      }
      pos += n;
      return n;
    }
  }
}
