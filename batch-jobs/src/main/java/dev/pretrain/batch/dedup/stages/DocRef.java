package dev.pretrain.batch.dedup.stages;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Comparator;

/**
 * Where a document of a run lives and how it ranks under the keep rule, as the dedup stages pass it
 * between each other: its id, source, the source's priority from the recipe, and its line in input
 * shard {@code shard} ({@code offset}, {@code length}: the line's bytes, for a ranged read of its text).
 */
public record DocRef(String id, String source, int priority, int shard, long line, long offset, int length) {

  /**
   * The keep rule: of a group of copies the document first in this order stays. Lower priority
   * first (the recipe's {@code dedup.keep} list, unlisted sources after), then the smaller id. Both
   * are properties of the document, so the survivor does not depend on partitions, workers or order.
   */
  public static final Comparator<DocRef> KEEP_ORDER =
      Comparator.comparingInt(DocRef::priority).thenComparing(DocRef::id);

  /** Shard and line in one long: unique within a run's input shards. */
  public long key() {
    return ((long) shard << 40) | line;
  }

  void write(DataOutput out) throws IOException {
    out.writeUTF(id);
    out.writeUTF(source == null ? "" : source);
    out.writeInt(priority);
    out.writeInt(shard);
    out.writeLong(line);
    out.writeLong(offset);
    out.writeInt(length);
  }

  static DocRef read(DataInput in) throws IOException {
    String id = in.readUTF();
    String source = in.readUTF();
    return new DocRef(id, source.isEmpty() ? null : source, in.readInt(), in.readInt(), in.readLong(), in.readLong(),
        in.readInt());
  }
}
