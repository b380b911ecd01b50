package dev.pretrain.batch.dedup.stages;

import dev.pretrain.db.storage.ObjectStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Stage 2, one per exact partition: every digest entry routed here by any shard, sorted by digest and
 * keep order; of each group of equal digests the first is kept and the others dropped as exact copies
 * of it. Memory: the partition's entries (about 1/P of the corpus's digests).
 */
public final class ExactStage {

  public record Result(long entries, long dropped, List<ObjectStore.Stored> dropFiles, long bytesRead,
      long bytesWritten) {}

  private static final Comparator<Entries.Exact> ORDER = Comparator.comparingLong(Entries.Exact::a)
      .thenComparingLong(Entries.Exact::b).thenComparingLong(Entries.Exact::c).thenComparingLong(Entries.Exact::d)
      .thenComparing(Entries.Exact::doc, DocRef.KEEP_ORDER);

  /** The note of a drop whose kept twin is a document of an earlier run, from the dedup index. */
  public static final String SEEN_BEFORE = "kept by an earlier run (dedup index)";

  private ExactStage() {}

  /** @param shards the run's number of input shards (drops are grouped by their shard's filter group) */
  public static Result run(ObjectStore store, Path scratch, String bucket, String keyPrefix, int partition,
      List<ObjectStore.Stored> files, int shards, int groups, LongConsumer progress) {
    return run(store, scratch, bucket, keyPrefix, partition, files, List.of(), shards, groups, progress);
  }

  /**
   * @param index the partition's files of a dedup index: documents of earlier runs, which stay; a
   *              document of this run with the same digest is dropped as their copy
   */
  public static Result run(ObjectStore store, Path scratch, String bucket, String keyPrefix, int partition,
      List<ObjectStore.Stored> files, List<DedupIndex.Indexed> index, int shards, int groups, LongConsumer progress) {
    List<Entries.Exact> entries = new ArrayList<>();
    long read = 0;
    for (ObjectStore.Stored f : files) {
      EntryFiles.forEach(store, f, Entries.EXACT_KIND, Entries.EXACT, entries::add);
      read += f.sizeBytes();
      progress.accept(entries.size());
    }
    for (DedupIndex.Indexed f : index) {
      EntryFiles.forEach(store, f.file(), Entries.EXACT_KIND, Entries.EXACT,
          e -> entries.add(new Entries.Exact(e.a(), e.b(), e.c(), e.d(), f.remap(e.doc()))));
      read += f.file().sizeBytes();
      progress.accept(entries.size());
    }
    entries.sort(ORDER);
    DropWriters drops = new DropWriters(scratch, String.format("exact-drops-%05d", partition), shards, groups);
    Entries.Exact kept = null;
    for (Entries.Exact e : entries) {
      if (kept != null && kept.sameDigest(e)) {
        if (e.doc().shard() >= shards) {
          continue; // an indexed document: kept by an earlier run, nothing to drop
        }
        drops.add(new Entries.Drop(e.doc(), kept.doc().id(), Entries.Kind.EXACT, 1.0, 1.0,
            kept.doc().shard() >= shards ? SEEN_BEFORE : null));
      } else {
        kept = e;
      }
    }
    List<ObjectStore.Stored> out = drops.upload(store, bucket, keyPrefix + String.format("partition-%05d/", partition));
    return new Result(entries.size(), drops.drops(), out, read, out.stream().mapToLong(ObjectStore.Stored::sizeBytes).sum());
  }
}
