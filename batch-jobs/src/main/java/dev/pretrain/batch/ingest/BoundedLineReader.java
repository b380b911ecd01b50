package dev.pretrain.batch.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits a byte stream into lines at {@code '\n'}, as bytes (no decoding, so a bad byte is found by
 * the validator with its exact position). A line longer than the cap is not kept: only its first
 * bytes are, and the rest is skipped, so memory stays bounded by the cap.
 *
 * <p>When the stream fails mid-line, {@link #lineNumber()}, {@link #lineStart()}, {@link #consumed()}
 * and {@link #head()} describe the line that was being read.
 */
final class BoundedLineReader {

  static final int HEAD_BYTES = 200;

  /**
   * @param bytes  the line without {@code '\n'}, or null when it was longer than the cap
   * @param length the line's length in bytes, even when it was not kept
   * @param head   its first {@link #HEAD_BYTES} bytes
   */
  record Line(long number, long offset, byte[] bytes, long length, byte[] head) {}

  private final InputStream in;
  private final int maxLineBytes;
  private final byte[] buf = new byte[1 << 16];
  private int pos;
  private int limit;
  private boolean eof;

  private long consumed;
  private long lineNumber;
  private long lineStart;
  private byte[] line = new byte[1024];
  private long lineLength;

  BoundedLineReader(InputStream in, int maxLineBytes) {
    this.in = in;
    this.maxLineBytes = maxLineBytes;
  }

  /** The next line, or null at the end; a last line without {@code '\n'} is a line. */
  Line next() throws IOException {
    if (eof) {
      return null;
    }
    lineNumber++;
    lineStart = consumed;
    lineLength = 0;
    while (true) {
      if (pos == limit) {
        int n = in.read(buf, 0, buf.length);
        if (n < 0) {
          eof = true;
          if (lineLength == 0) {
            lineNumber--; // the stream ended with '\n' (or was empty): no further line
            return null;
          }
          return finishLine();
        }
        pos = 0;
        limit = n;
      }
      int nl = indexOfNewline(pos, limit);
      int end = nl < 0 ? limit : nl;
      append(pos, end - pos);
      consumed += end - pos;
      pos = end;
      if (nl >= 0) {
        pos++;
        consumed++;
        return finishLine();
      }
    }
  }

  long lineNumber() {
    return lineNumber;
  }

  long lineStart() {
    return lineStart;
  }

  long consumed() {
    return consumed;
  }

  /** The first bytes of the line being read. */
  byte[] head() {
    return Arrays.copyOf(line, (int) Math.min(Math.min(lineLength, HEAD_BYTES), maxLineBytes));
  }

  private Line finishLine() {
    byte[] head = head();
    byte[] bytes = lineLength <= maxLineBytes ? Arrays.copyOf(line, (int) lineLength) : null;
    if (line.length > (1 << 20)) {
      line = new byte[1024]; // do not keep a huge buffer for the rest of the file
    }
    return new Line(lineNumber, lineStart, bytes, lineLength, head);
  }

  private void append(int from, int len) {
    long kept = Math.min(lineLength, maxLineBytes);
    long room = Math.max(0, Math.min(len, maxLineBytes - kept));
    if (room > 0) {
      int need = (int) (kept + room);
      if (need > line.length) {
        line = Arrays.copyOf(line, (int) Math.min(Math.max((long) line.length * 2, need), maxLineBytes));
      }
      System.arraycopy(buf, from, line, (int) kept, (int) room);
    }
    lineLength += len;
  }

  private int indexOfNewline(int from, int to) {
    for (int i = from; i < to; i++) {
      if (buf[i] == '\n') {
        return i;
      }
    }
    return -1;
  }
}
