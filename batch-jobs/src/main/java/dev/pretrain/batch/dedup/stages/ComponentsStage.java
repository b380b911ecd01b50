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

  public record Result(long edges, long documents, long components, long dropped, long measuredLater,
      List<ObjectStore.Stored> dropFiles, long bytesRead, long bytesWritten) {}

  private ComponentsStage() {}

  public static Result run(ObjectStore store, Path scratch, String bucket, String keyPrefix,
      List<ObjectStore.Stored> edgeFiles, List<ObjectStore.Stored> inputShards, DedupSettings settings,
      LongConsumer progress) {
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
    Map<Long, Entries.Edge> byPair = new HashMap<>();
    for (Entries.Edge e : edges) {
      int a = index.get(e.first().key());
      int b = index.get(e.second().key());
      clusters.union(a, b);
      byPair.put(pairKey(a, b), e);
      best.merge(a, e, (x, y) -> y.similarity() > x.similarity() ? y : x);
      best.merge(b, e, (x, y) -> y.similarity() > x.similarity() ? y : x);
    }
    Map<Integer, Integer> keptByRoot = new HashMap<>();
    for (int i = 0; i < docs.size(); i++) {
      keptByRoot.merge(clusters.find(i), i, (x, y) -> DocRef.KEEP_ORDER.compare(docs.get(x), docs.get(y)) <= 0 ? x : y);
    }
    DocumentTexts texts = new DocumentTexts(store, inputShards, settings);
    DropWriters drops = new DropWriters(scratch, "fuzzy-drops", inputShards.size(), settings.groups(inputShards.size()));
    long measured = 0;
    for (int i = 0; i < docs.size(); i++) {
      int kept = keptByRoot.get(clusters.find(i));
      if (kept == i) {
        continue;
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
      drops.add(new Entries.Drop(doc, keptDoc.id(), Entries.Kind.FUZZY, est, exact, note));
      if (drops.drops() % 500 == 0) {
        progress.accept(edges.size() + drops.drops());
      }
    }
    List<ObjectStore.Stored> out = drops.upload(store, bucket, keyPrefix);
    return new Result(edges.size(), docs.size(), keptByRoot.size(), drops.drops(), measured, out, read,
        out.stream().mapToLong(ObjectStore.Stored::sizeBytes).sum());
  }

  private static long pairKey(int a, int b) {
    return a < b ? ((long) a << 32) | b : ((long) b << 32) | a;
  }
}
