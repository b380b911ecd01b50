package dev.pretrain.batch.dedup.stages;

import dev.pretrain.batch.dedup.near.DuplicateClusters;
import dev.pretrain.db.storage.ObjectStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Stage 5, the one stage that sees every edge: connected components of the similar pairs (union-find);
 * in each, the first member by keep order stays and every other member is dropped as a near-duplicate
 * of it. Each drop records its similarity to the kept member: from their own edge, or, when they were
 * joined through other members (similarity is not transitive), measured now from the two texts; the
 * note then names the member it was linked to. Memory: the documents that have an edge, not the corpus.
 */
public final class ComponentsStage {

  /**
   * @param redirects the dropped documents that stand for exact copies of themselves, for every filter:
   *                  a copy's exact drop then names the document actually kept
   */
  public record Result(long edges, long documents, long components, long dropped, long measuredLater,
      List<ObjectStore.Stored> dropFiles, ObjectStore.Stored redirects, long bytesRead, long bytesWritten) {}

  private ComponentsStage() {}

  public static Result run(ObjectStore store, Path scratch, String bucket, String keyPrefix,
      List<ObjectStore.Stored> edgeFiles, List<ObjectStore.Stored> inputShards, DedupSettings settings,
      LongConsumer progress) {
    return run(store, scratch, bucket, keyPrefix, edgeFiles, inputShards, inputShards.size(), settings, progress);
  }

  /**
   * @param shards    the run's input shards, then the shards of a dedup index's documents (for reading texts)
   * @param runShards how many of {@code shards} are the run's: an indexed document is never dropped
   */
  public static Result run(ObjectStore store, Path scratch, String bucket, String keyPrefix,
      List<ObjectStore.Stored> edgeFiles, List<ObjectStore.Stored> shards, int runShards, DedupSettings settings,
      LongConsumer progress) {
    List<ObjectStore.Stored> inputShards = shards;
    Map<Long, Integer> index = new HashMap<>();
    List<DocRef> docs = new ArrayList<>();
    List<Entries.Edge> edges = new ArrayList<>();
    long read = 0;
    for (ObjectStore.Stored f : edgeFiles) {
      EntryFiles.forEach(store, f, Entries.EDGE_KIND, Entries.EDGE, e -> {
        edges.add(e);
        for (DocRef d : new DocRef[] {e.first(), e.second()}) {
          if (index.putIfAbsent(d.key(), docs.size()) == null) {
            docs.add(d);
          }
        }
      });
      read += f.sizeBytes();
    }
    progress.accept(edges.size());
    DuplicateClusters clusters = new DuplicateClusters(docs.size());
    // each document's strongest link, for the note of a drop joined through others
    Map<Integer, Entries.Edge> best = new HashMap<>();
    java.util.Set<Integer> withCopies = new java.util.HashSet<>();
    Map<Long, Entries.Edge> byPair = new HashMap<>();
    for (Entries.Edge e : edges) {
      int a = index.get(e.first().key());
      int b = index.get(e.second().key());
      clusters.union(a, b);
      if (e.firstCopies()) {
        withCopies.add(a);
      }
      if (e.secondCopies()) {
        withCopies.add(b);
      }
      byPair.put(pairKey(a, b), e);
      best.merge(a, e, (x, y) -> y.similarity() > x.similarity() ? y : x);
      best.merge(b, e, (x, y) -> y.similarity() > x.similarity() ? y : x);
    }
    Map<Integer, Integer> keptByRoot = new HashMap<>();
    for (int i = 0; i < docs.size(); i++) {
      keptByRoot.merge(clusters.find(i), i, (x, y) -> DocRef.KEEP_ORDER.compare(docs.get(x), docs.get(y)) <= 0 ? x : y);
    }
    DocumentTexts texts = new DocumentTexts(store, inputShards, settings);
    DropWriters drops = new DropWriters(scratch, "fuzzy-drops", runShards, settings.groups(runShards));
    EntryFiles.Writer<Entries.Drop> redirects = new EntryFiles.Writer<>(scratch.resolve("redirects.bin"),
        Entries.REDIRECT_KIND, Entries.DROP);
    long measured = 0;
    for (int i = 0; i < docs.size(); i++) {
      int kept = keptByRoot.get(clusters.find(i));
      if (kept == i || docs.get(i).shard() >= runShards) {
        continue; // the kept one, or an indexed document joined through a new one (trained on already)
      }
      DocRef doc = docs.get(i);
      DocRef keptDoc = docs.get(kept);
      Entries.Edge direct = byPair.get(pairKey(i, kept));
      double est;
      double exact;
      String note = null;
      if (direct != null) {
        est = direct.estimated();
        exact = direct.exact();
      } else {
        double[] sim = texts.similarity(doc, keptDoc, settings.check());
        est = sim[0];
        exact = sim[1];
        measured++;
        Entries.Edge link = best.get(i);
        DocRef other = link.first().key() == doc.key() ? link.second() : link.first();
        note = String.format(Locale.ROOT, "linked through %s (Jaccard %.3f)", other.id(), link.similarity());
      }
      if (keptDoc.shard() >= runShards) {
        note = note == null ? ExactStage.SEEN_BEFORE : ExactStage.SEEN_BEFORE + "; " + note;
      }
      Entries.Drop drop = new Entries.Drop(doc, keptDoc.id(), Entries.Kind.FUZZY, est, exact, note);
      drops.add(drop);
      if (withCopies.contains(i)) {
        redirects.add(drop);
      }
      if (drops.drops() % 500 == 0) {
        progress.accept(edges.size() + drops.drops());
      }
    }
    List<ObjectStore.Stored> out = drops.upload(store, bucket, keyPrefix);
    ObjectStore.Stored redirected = redirects.upload(store, bucket, keyPrefix + "redirects.bin");
    return new Result(edges.size(), docs.size(), keptByRoot.size(), drops.drops(), measured, out, redirected, read,
        out.stream().mapToLong(ObjectStore.Stored::sizeBytes).sum() + redirected.sizeBytes());
  }

  private static long pairKey(int a, int b) {
    return a < b ? ((long) a << 32) | b : ((long) b << 32) | a;
  }
}
