package dev.pretrain.activities.train;

import dev.pretrain.batch.tokenize.LlmcTokenShard;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Read-only, memory-mapped view of llm.c {@code .bin} token shards (docs/architecture.md §6), the files the
 * tokenize step writes. Headers are checked by {@link LlmcTokenShard#readHeader}, the format's one
 * definition; tokens are read in place from the mapping, so training and evaluation never copy a
 * whole shard onto the heap. One mapping per file limits a shard to 2 GiB (1 G uint16 tokens).
 */
public final class TokenShards {

  private static final int HEADER_BYTES = LlmcTokenShard.HEADER_BYTES;

  private final List<Path> files;
  private final MappedByteBuffer[] maps;
  private final long[] counts;

  private TokenShards(List<Path> files, MappedByteBuffer[] maps, long[] counts) {
    this.files = files;
    this.maps = maps;
    this.counts = counts;
  }

  /**
   * Opens and validates every shard.
   *
   * @throws IllegalArgumentException for a file that is not a well-formed shard (bad input, not
   *     worth retrying)
   * @throws IOException              when a file cannot be read
   */
  public static TokenShards open(List<Path> files) throws IOException {
    int n = files.size();
    MappedByteBuffer[] maps = new MappedByteBuffer[n];
    long[] counts = new long[n];
    for (int i = 0; i < n; i++) {
      Path f = files.get(i);
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
        long size = ch.size();
        if (size < HEADER_BYTES) {
          throw new IllegalArgumentException(f + ": " + size + " bytes, shorter than the llm.c header");
        }
        if (size > Integer.MAX_VALUE) {
          throw new IllegalArgumentException(f + ": shards over 2 GiB are not supported");
        }
        MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
        map.order(ByteOrder.LITTLE_ENDIAN);
        byte[] header = new byte[HEADER_BYTES];
        map.get(0, header);
        long count = LlmcTokenShard.readHeader(header, f.toString()).tokenCount();
        if (HEADER_BYTES + count * 2 != size) {
          throw new IllegalArgumentException(f + ": header says " + count + " tokens but the file has " + size
              + " bytes");
        }
        maps[i] = map;
        counts[i] = count;
      }
    }
    return new TokenShards(List.copyOf(files), maps, counts);
  }

  public int shardCount() {
    return maps.length;
  }

  public Path file(int shard) {
    return files.get(shard);
  }

  public long tokens(int shard) {
    return counts[shard];
  }

  public long totalTokens() {
    long t = 0;
    for (long c : counts) {
      t += c;
    }
    return t;
  }

  /** Token counts of all shards, in order: identifies the data a sampler position refers to. */
  public long[] tokenCounts() {
    return counts.clone();
  }

  /** Token at {@code index} of a shard. */
  public int token(int shard, long index) {
    return Short.toUnsignedInt(maps[shard].getShort(Math.toIntExact(HEADER_BYTES + index * 2)));
  }

  /** Copies {@code n} tokens from {@code offset} of a shard into {@code dst[dstOff..]}. */
  public void read(int shard, long offset, long[] dst, int dstOff, int n) {
    if (offset < 0 || offset + n > counts[shard]) {
      throw new IndexOutOfBoundsException("tokens " + offset + "+" + n + " of shard " + shard + " with "
          + counts[shard]);
    }
    for (int i = 0; i < n; i++) {
      dst[dstOff + i] = token(shard, offset + i);
    }
  }
}
