package dev.pretrain.batch.dedup.stages;

import dev.pretrain.batch.dedup.near.MinHasher;
import dev.pretrain.batch.dedup.near.Shingler;
import dev.pretrain.batch.shards.DocumentLineParser;
import dev.pretrain.batch.shards.ShardDocument;
import dev.pretrain.batch.shards.ShardFormatException;
import dev.pretrain.db.storage.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shingle set and signature of a document, from its line in its input shard (one ranged read),
 * with a bounded cache: a document in several candidate pairs is read once while it stays cached.
 */
final class DocumentTexts {

  /** The sorted distinct shingles (for exact Jaccard) and the MinHash signature (for the estimate). */
  record Sketch(int[] shingleSet, long[] signature) {}

  private static final int CACHED = 20_000;
  // ranges closer than this are read as one (the bytes between are read and dropped)
  private static final long GAP = 256 << 10;
  private static final long MAX_RANGE = 32 << 20;

  private final ObjectStore store;
  private final List<ObjectStore.Stored> shards;
  private final Shingler shingler;
  private final MinHasher hasher;
  private final DocumentLineParser parser = new DocumentLineParser(true);
  private final Map<Long, Sketch> cache = new LinkedHashMap<>(1024, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, Sketch> eldest) {
      return size() > CACHED;
    }
  };
  private final Map<Long, Sketch> prefetched = new java.util.HashMap<>();
  private long reads;

  DocumentTexts(ObjectStore store, List<ObjectStore.Stored> shards, DedupSettings settings) {
    this.store = store;
    this.shards = List.copyOf(shards);
    this.shingler = settings.shingler();
    this.hasher = settings.minHasher();
  }

  /**
   * Reads and sketches these documents ahead, in shard and offset order, one ranged read per run of
   * nearby documents (instead of one per document). They stay cached for this object's life.
   */
  void prefetch(java.util.Collection<DocRef> docs, java.util.function.LongConsumer progress) {
    List<DocRef> sorted = new java.util.ArrayList<>(docs);
    sorted.sort(java.util.Comparator.comparingInt(DocRef::shard).thenComparingLong(DocRef::offset));
    int i = 0;
    while (i < sorted.size()) {
      DocRef first = sorted.get(i);
      long end = first.offset() + first.length();
      int j = i + 1;
      while (j < sorted.size() && sorted.get(j).shard() == first.shard()
          && sorted.get(j).offset() - end <= GAP
          && sorted.get(j).offset() + sorted.get(j).length() - first.offset() <= MAX_RANGE) {
        end = Math.max(end, sorted.get(j).offset() + sorted.get(j).length());
        j++;
      }
      ObjectStore.Stored shard = shardOf(first);
      byte[] bytes = store.readRange(shard.bucket(), shard.key(), first.offset(), (int) (end - first.offset()));
      reads++;
      for (int k = i; k < j; k++) {
        DocRef d = sorted.get(k);
        if (!prefetched.containsKey(d.key())) {
          String line = new String(bytes, (int) (d.offset() - first.offset()), d.length(), StandardCharsets.UTF_8);
          prefetched.put(d.key(), sketchOf(d, parse(d, shard, line)));
        }
      }
      i = j;
      progress.accept(i);
    }
  }

  Sketch sketch(DocRef doc) {
    Sketch pre = prefetched.get(doc.key());
    if (pre != null) {
      return pre;
    }
    Sketch s = cache.get(doc.key());
    if (s == null) {
      s = sketchOf(doc, text(doc));
      cache.put(doc.key(), s);
    }
    return s;
  }

  /** Exact (NaN unless {@code check}) and estimated Jaccard of two documents. */
  double[] similarity(DocRef a, DocRef b, boolean check) {
    Sketch x = sketch(a);
    Sketch y = sketch(b);
    return new double[] {MinHasher.estimate(x.signature(), y.signature()),
        check ? MinHasher.jaccard(x.shingleSet(), y.shingleSet()) : Double.NaN};
  }

  long reads() {
    return reads;
  }

  private Sketch sketchOf(DocRef doc, String text) {
    return new Sketch(shingler.shingleSet(text), hasher.signature(shingler.shingles(text)));
  }

  private ObjectStore.Stored shardOf(DocRef doc) {
    if (doc.shard() < 0 || doc.shard() >= shards.size()) {
      throw new IllegalStateException("document " + doc.id() + " names input shard " + doc.shard() + " of "
          + shards.size());
    }
    return shards.get(doc.shard());
  }

  private String text(DocRef doc) {
    ObjectStore.Stored shard = shardOf(doc);
    byte[] bytes = store.readRange(shard.bucket(), shard.key(), doc.offset(), doc.length());
    reads++;
    return parse(doc, shard, new String(bytes, StandardCharsets.UTF_8));
  }

  private String parse(DocRef doc, ObjectStore.Stored shard, String line) {
    String where = shard.uri() + " line " + doc.line() + " (bytes " + doc.offset() + "+" + doc.length() + ")";
    ShardDocument d = parser.parse(doc.shard(), doc.line(), line, where);
    if (!d.id().equals(doc.id())) {
      throw new ShardFormatException(where + ": holds document " + d.id() + ", expected " + doc.id()
          + " (the shard changed after it was hashed)");
    }
    return d.text();
  }
}
