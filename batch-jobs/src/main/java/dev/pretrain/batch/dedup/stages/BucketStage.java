package dev.pretrain.batch.dedup.stages;

import dev.pretrain.db.storage.ObjectStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Stage 3, one per bucket partition: the band bucket entries routed here, grouped by bucket key. In a
 * bucket, exact copies fold into their first member (by keep order, which is the copy the exact stage
 * keeps); the remaining members become candidate pairs: all pairs up to {@link
 * DedupSettings#ALL_PAIRS_MAX} members, beyond that each member with the bucket's first (a bucket
 * that large is boilerplate; the star still joins it into one component). Pairs are routed to a
 * verify partition by the pair, so one pair found in several bands is checked once.
 */
public final class BucketStage {

  public record Result(long entries, long buckets, long pairs, List<ObjectStore.Stored> pairFiles, long bytesRead,
      long bytesWritten) {}

  private static final Comparator<Entries.Band> ORDER =
      Comparator.comparingLong(Entries.Band::bucket).thenComparing(Entries.Band::doc, DocRef.KEEP_ORDER);

  private BucketStage() {}

  public static Result run(ObjectStore store, Path scratch, String bucket, String keyPrefix, int partition,
      List<ObjectStore.Stored> files, int partitions, LongConsumer progress) {
    return run(store, scratch, bucket, keyPrefix, partition, files, List.of(), Integer.MAX_VALUE, partitions, progress);
  }

  /**
   * @param index     the partition's band files of a dedup index (documents of earlier runs)
   * @param runShards the run's input shards: a document past them is an indexed one, and pairs of two
   *                  indexed documents are not made (both stay whatever they are)
   */
  public static Result run(ObjectStore store, Path scratch, String bucket, String keyPrefix, int partition,
      List<ObjectStore.Stored> files, List<DedupIndex.Indexed> index, int runShards, int partitions,
      LongConsumer progress) {
    List<Entries.Band> entries = new ArrayList<>();
    long read = 0;
    for (ObjectStore.Stored f : files) {
      EntryFiles.forEach(store, f, Entries.BAND_KIND, Entries.BAND, entries::add);
      read += f.sizeBytes();
      progress.accept(entries.size());
    }
    for (DedupIndex.Indexed f : index) {
      EntryFiles.forEach(store, f.file(), Entries.BAND_KIND, Entries.BAND,
          e -> entries.add(new Entries.Band(e.bucket(), e.digest(), f.remap(e.doc()))));
      read += f.file().sizeBytes();
      progress.accept(entries.size());
    }
    entries.sort(ORDER);
    List<EntryFiles.Writer<Entries.Pair>> out = new ArrayList<>();
    for (int r = 0; r < partitions; r++) {
      out.add(new EntryFiles.Writer<>(scratch.resolve(String.format("pairs-%05d-to-%05d.bin", partition, r)),
          Entries.PAIR_KIND, Entries.PAIR));
    }
    long buckets = 0;
    long pairs = 0;
    List<DocRef> members = new ArrayList<>();
    List<Boolean> copies = new ArrayList<>();
    java.util.Map<Long, Integer> digests = new java.util.HashMap<>();
    for (int i = 0; i < entries.size(); ) {
      long key = entries.get(i).bucket();
      members.clear();
      copies.clear();
      digests.clear();
      int j = i;
      for (; j < entries.size() && entries.get(j).bucket() == key; j++) {
        Integer at = digests.putIfAbsent(entries.get(j).digest(), members.size());
        if (at == null) {
          members.add(entries.get(j).doc());
          copies.add(false);
        } else {
          copies.set(at, true);
        }
      }
      i = j;
      buckets++;
      if (members.size() < 2) {
        continue;
      }
      boolean allPairs = members.size() <= DedupSettings.ALL_PAIRS_MAX;
      for (int x = 0; x < (allPairs ? members.size() : 1); x++) {
        for (int y = x + 1; y < members.size(); y++) {
          DocRef a = members.get(x);
          DocRef b = members.get(y);
          if (a.shard() >= runShards && b.shard() >= runShards) {
            continue;
          }
          out.get(DedupSettings.partitionOf(a.key() * 0x9E3779B97F4A7C15L + b.key(), partitions))
              .add(new Entries.Pair(a, b, copies.get(x), copies.get(y)));
          pairs++;
        }
      }
    }
    List<ObjectStore.Stored> stored = new ArrayList<>();
    long written = 0;
    for (int r = 0; r < partitions; r++) {
      ObjectStore.Stored s = out.get(r).upload(store, bucket,
          keyPrefix + String.format("to-%05d/from-%05d.bin", r, partition));
      stored.add(s);
      written += s.sizeBytes();
    }
    return new Result(entries.size(), buckets, pairs, stored, read, written);
  }
}
