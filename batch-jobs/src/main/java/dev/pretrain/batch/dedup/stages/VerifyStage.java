package dev.pretrain.batch.dedup.stages;

import dev.pretrain.db.storage.ObjectStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Stage 4, one per pair partition: the candidate pairs routed here by every bucket partition, each
 * distinct pair once, in a fixed order; each pair's similarity is computed from the two texts (read
 * from the input shards by range, nearby documents in one read): the MinHash estimate always, the exact Jaccard of the shingle sets
 * when the check is on. Pairs at or above the threshold (exact when checked) are written as edges;
 * the others were LSH false positives.
 */
public final class VerifyStage {

  public record Result(long pairsIn, long distinctPairs, long edges, long falsePositives, long documentReads,
      ObjectStore.Stored edgeFile, long bytesRead, long bytesWritten) {}

  private static final Comparator<Entries.Pair> ORDER = Comparator
      .comparingLong((Entries.Pair p) -> p.first().key()).thenComparingLong(p -> p.second().key());

  private VerifyStage() {}

  public static Result run(ObjectStore store, Path scratch, String bucket, String keyPrefix, int partition,
      List<ObjectStore.Stored> pairFiles, List<ObjectStore.Stored> inputShards, DedupSettings settings,
      LongConsumer progress) {
    List<Entries.Pair> pairs = new ArrayList<>();
    long read = 0;
    for (ObjectStore.Stored f : pairFiles) {
      EntryFiles.forEach(store, f, Entries.PAIR_KIND, Entries.PAIR, pairs::add);
      read += f.sizeBytes();
    }
    long in = pairs.size();
    pairs.sort(ORDER);
    DocumentTexts texts = new DocumentTexts(store, inputShards, settings);
    // every document of the partition's pairs, read in shard order with one ranged read per run of nearby ones
    java.util.Map<Long, DocRef> needed = new java.util.HashMap<>();
    for (Entries.Pair p : pairs) {
      needed.putIfAbsent(p.first().key(), p.first());
      needed.putIfAbsent(p.second().key(), p.second());
    }
    texts.prefetch(needed.values(), progress);
    EntryFiles.Writer<Entries.Edge> edges = new EntryFiles.Writer<>(
        scratch.resolve(String.format("edges-%05d.bin", partition)), Entries.EDGE_KIND, Entries.EDGE);
    long distinct = 0;
    long falsePositives = 0;
    Entries.Pair previous = null;
    for (Entries.Pair p : pairs) {
      if (previous != null && previous.first().key() == p.first().key()
          && previous.second().key() == p.second().key()) {
        // the same pair from another band: copies seen there count too
        if ((p.firstCopies() && !previous.firstCopies()) || (p.secondCopies() && !previous.secondCopies())) {
          throw new IllegalStateException("pair " + p.first().id() + ", " + p.second().id()
              + " has exact copies in one band's bucket but not another's");
        }
        continue;
      }
      previous = p;
      distinct++;
      double[] sim = texts.similarity(p.first(), p.second(), settings.check());
      Entries.Edge e = new Entries.Edge(p.first(), p.second(), sim[0], sim[1], p.firstCopies(), p.secondCopies());
      if (e.similarity() >= settings.threshold()) {
        edges.add(e);
      } else {
        falsePositives++;
      }
      if (distinct % 200 == 0) {
        progress.accept(distinct);
      }
    }
    long edgeCount = edges.entries();
    ObjectStore.Stored stored = edges.upload(store, bucket, keyPrefix + String.format("partition-%05d.bin", partition));
    return new Result(in, distinct, edgeCount, falsePositives, texts.reads(), stored, read, stored.sizeBytes());
  }
}
