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
  private long reads;

  DocumentTexts(ObjectStore store, List<ObjectStore.Stored> shards, DedupSettings settings) {
    this.store = store;
    this.shards = List.copyOf(shards);
    this.shingler = settings.shingler();
    this.hasher = settings.minHasher();
  }

  Sketch sketch(DocRef doc) {
    Sketch s = cache.get(doc.key());
    if (s == null) {
      String text = text(doc);
      s = new Sketch(shingler.shingleSet(text), hasher.signature(shingler.shingles(text)));
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

  private String text(DocRef doc) {
    if (doc.shard() < 0 || doc.shard() >= shards.size()) {
      throw new IllegalStateException("document " + doc.id() + " names input shard " + doc.shard() + " of "
          + shards.size());
    }
    ObjectStore.Stored shard = shards.get(doc.shard());
    String where = shard.uri() + " line " + doc.line() + " (bytes " + doc.offset() + "+" + doc.length() + ")";
    byte[] bytes = store.readRange(shard.bucket(), shard.key(), doc.offset(), doc.length());
    reads++;
    ShardDocument d = parser.parse(doc.shard(), doc.line(), new String(bytes, StandardCharsets.UTF_8), where);
    if (!d.id().equals(doc.id())) {
      throw new ShardFormatException(where + ": holds document " + d.id() + ", expected " + doc.id()
          + " (the shard changed after it was hashed)");
    }
    return d.text();
  }
}
