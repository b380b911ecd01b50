package dev.pretrain.batch.tokenize;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * llm.c's token shard format (as written by its {@code dev/data/data_common.py}): a header of 256
 * little-endian int32 (magic 20240520, version 1, token count, rest zero), then the tokens as
 * little-endian uint16. Enough for GPT-2's 50,257 ids; llm.c's uint32 variant (magic 20240801,
 * version 7) is neither written nor read here.
 */
public final class LlmcTokenShard {

  public static final int MAGIC = 20240520;
  public static final int VERSION = 1;
  public static final int HEADER_INTS = 256;
  public static final int HEADER_BYTES = HEADER_INTS * Integer.BYTES;
  public static final int MAX_TOKEN_ID = 0xFFFF;
  /** The header stores the count as an int32. */
  public static final long MAX_TOKENS = Integer.MAX_VALUE;

  private static final int UINT32_MAGIC = 20240801;

  public record Header(int magic, int version, long tokenCount) {}

  private LlmcTokenShard() {}

  /** The 1,024-byte header for a shard of {@code tokenCount} tokens. */
  public static byte[] header(long tokenCount) {
    if (tokenCount < 0 || tokenCount > MAX_TOKENS) {
      throw new IllegalArgumentException("an llm.c shard holds 0.." + MAX_TOKENS + " tokens, not " + tokenCount);
    }
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0, MAGIC).putInt(4, VERSION).putInt(8, (int) tokenCount);
    return b.array();
  }

  /** Overwrites the header at the start of a file whose tokens follow a 1,024-byte placeholder. */
  public static void writeHeader(Path file, long tokenCount) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.wrap(header(tokenCount));
      while (b.hasRemaining()) {
        ch.write(b, b.position());
      }
    }
  }

  /** Appends tokens as little-endian uint16, rejecting ids that do not fit. */
  public static void writeTokens(OutputStream out, int[] tokens, int from, int to) throws IOException {
    byte[] buf = new byte[(to - from) * 2];
    for (int i = from, j = 0; i < to; i++, j += 2) {
      int t = tokens[i];
      if (t < 0 || t > MAX_TOKEN_ID) {
        throw new IllegalArgumentException("token id " + t + " does not fit llm.c's uint16 shard format");
      }
      buf[j] = (byte) t;
      buf[j + 1] = (byte) (t >>> 8);
    }
    out.write(buf);
  }

  /** Writes a complete shard. */
  public static void write(Path file, int[] tokens) throws IOException {
    try (OutputStream out = Files.newOutputStream(file)) {
      out.write(header(tokens.length));
      writeTokens(out, tokens, 0, tokens.length);
    }
  }

  /**
   * Parses and checks a header.
   *
   * @param source named in error messages (a path or URI)
   * @throws IllegalArgumentException saying what is wrong, for anything but a version-1 uint16 shard
   */
  public static Header readHeader(byte[] header, String source) {
    if (header.length < HEADER_BYTES) {
      throw new IllegalArgumentException(source + ": not an llm.c token shard: " + header.length
          + " bytes, shorter than the " + HEADER_BYTES + "-byte header");
    }
    ByteBuffer b = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
    int magic = b.getInt(0);
    int version = b.getInt(4);
    int count = b.getInt(8);
    if (magic == UINT32_MAGIC) {
      throw new IllegalArgumentException(source + ": llm.c shard with uint32 tokens (magic " + UINT32_MAGIC
          + ", version " + version + "); only the uint16 format (magic " + MAGIC + ", version " + VERSION + ") is supported");
    }
    if (magic != MAGIC) {
      throw new IllegalArgumentException(source + ": not an llm.c token shard: magic number is " + magic
          + ", expected " + MAGIC);
    }
    if (version != VERSION) {
      throw new IllegalArgumentException(source + ": llm.c token shard version " + version + ", expected " + VERSION);
    }
    if (count < 0) {
      throw new IllegalArgumentException(source + ": llm.c token shard header has a negative token count " + count);
    }
    return new Header(magic, version, count);
  }

  /** Reads and checks a whole shard file; see {@link #read(InputStream, String)}. */
  public static int[] read(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return read(in, file.toString());
    }
  }

  /**
   * Reads a whole shard: checks the header and that exactly the announced number of tokens follows.
   *
   * @throws IllegalArgumentException for a bad header, a truncated shard or trailing bytes
   */
  public static int[] read(InputStream input, String source) throws IOException {
    InputStream in = input instanceof BufferedInputStream ? input : new BufferedInputStream(input, 1 << 16);
    Header header = readHeader(in.readNBytes(HEADER_BYTES), source);
    int count = (int) header.tokenCount();
    int[] tokens = new int[count];
    byte[] buf = new byte[1 << 16];
    int done = 0;
    while (done < count) {
      int want = Math.min(buf.length, (count - done) * 2);
      int got = in.readNBytes(buf, 0, want);
      for (int j = 0; j + 1 < got; j += 2) {
        tokens[done++] = (buf[j] & 0xFF) | (buf[j + 1] & 0xFF) << 8;
      }
      if (got < want) {
        throw new IllegalArgumentException(source + ": truncated llm.c token shard: header says " + count
            + " tokens but only " + (done * 2L + (got & 1)) + " token bytes follow (expected " + count * 2L + ")");
      }
    }
    if (in.read() != -1) {
      throw new IllegalArgumentException(source + ": llm.c token shard has bytes after its " + count
          + " tokens (header count too small, or not one shard)");
    }
    return tokens;
  }

  /** Reads only the header of a shard, e.g. to count tokens without loading them. */
  public static Header readHeader(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return readHeader(in.readNBytes(HEADER_BYTES), file.toString());
    }
  }
}
