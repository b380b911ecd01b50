package dev.pretrain.batch.dedup;

import dev.pretrain.batch.dedup.stages.Entries;
import dev.pretrain.batch.dedup.stages.EntryFiles;
import dev.pretrain.batch.shards.ShardDocument;
import dev.pretrain.db.storage.ObjectStore;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.batch.infrastructure.item.ItemProcessor;

/**
 * The filter of the partitioned dedup: drops the documents the exact and near-duplicate stages chose
 * (their drop files for this filter group, loaded once), then, if a decontamination check is given,
 * drops training documents that overlap a held-out evaluation document. Held-out documents are
 * never checked against themselves.
 */
public class DropListProcessor implements ItemProcessor<ShardDocument, DedupVerdict> {

  /** A training text's overlap with the held-out evaluation documents, if any. */
  public interface ContaminationCheck {
    Optional<Contamination> check(String text);
  }

  public record Contamination(String evaluationDocId, int sharedNgrams, int ngram) {}

  private final int firstShard;
  private final Map<Long, Entries.Drop> drops = new HashMap<>();
  private final Map<String, Entries.Drop> redirects = new HashMap<>();
  private final ContaminationCheck contamination;
  private final java.util.Set<String> heldOutSources;
  private final java.util.Set<String> driftSources;

  /**
   * @param firstShard global index of the first input shard of this launch (a document's shard index
   *                   in the launch is relative to it)
   */
  public DropListProcessor(ObjectStore store, List<ObjectStore.Stored> dropFiles, int firstShard,
      ContaminationCheck contamination, java.util.Set<String> heldOutSources) {
    this(store, dropFiles, null, firstShard, contamination, heldOutSources);
  }

  /**
   * @param redirects the near-duplicates dropped that had exact copies (by id): an exact copy of one
   *                  is recorded against the document kept for it, at the same similarity (same text)
   */
  public DropListProcessor(ObjectStore store, List<ObjectStore.Stored> dropFiles, ObjectStore.Stored redirects,
      int firstShard, ContaminationCheck contamination, java.util.Set<String> heldOutSources) {
    this(store, dropFiles, redirects, firstShard, contamination, heldOutSources, null);
  }

  /**
   * @param driftSources sources whose documents are dropped as exact copies only (a drift set: their
   *                     near copies of other documents are the changes it measures)
   */
  public DropListProcessor(ObjectStore store, List<ObjectStore.Stored> dropFiles, ObjectStore.Stored redirects,
      int firstShard, ContaminationCheck contamination, java.util.Set<String> heldOutSources,
      java.util.Set<String> driftSources) {
    this.driftSources = driftSources == null ? java.util.Set.of() : driftSources;
    if (redirects != null) {
      EntryFiles.forEach(store, redirects, Entries.REDIRECT_KIND, Entries.DROP, d -> this.redirects.put(d.doc().id(), d));
    }
    this.firstShard = firstShard;
    this.contamination = contamination;
    this.heldOutSources = heldOutSources == null ? java.util.Set.of() : heldOutSources;
    for (ObjectStore.Stored f : dropFiles) {
      EntryFiles.forEach(store, f, Entries.DROP_KIND, Entries.DROP, d -> {
        Entries.Drop earlier = drops.putIfAbsent(d.doc().key(), d);
        // exact drops win over a fuzzy one for the same document (none is expected: the bucket stage folds copies)
        if (earlier != null && d.kind() == Entries.Kind.EXACT) {
          drops.put(d.doc().key(), d);
        }
      });
    }
  }

  @Override
  public DedupVerdict process(ShardDocument doc) {
    long key = ((long) (firstShard + doc.shardIndex()) << 40) | doc.line();
    Entries.Drop d = drops.get(key);
    if (d != null) {
      if (!d.doc().id().equals(doc.id())) {
        throw new IllegalStateException("drop list names " + d.doc().id() + " at input shard "
            + (firstShard + doc.shardIndex()) + " line " + doc.line() + ", which holds " + doc.id());
      }
      boolean drift = doc.source() != null && driftSources.contains(doc.source());
      if (drift && d.kind() == Entries.Kind.FUZZY) {
        return new DedupVerdict(doc, null); // a changed version: kept for the drift set
      }
      Entries.Drop via = d.kind() == Entries.Kind.EXACT ? redirects.get(d.keptId()) : null;
      if (via != null && via.doc().source() != null && driftSources.contains(via.doc().source())) {
        via = null; // its exact twin is a drift document, which near-duplicate removal keeps: a copy of that
      }
      if (via != null && drift) {
        return new DedupVerdict(doc, null); // the same text as a near copy: a changed version, as above
      }
      if (via != null) {
        // its exact twin was itself dropped as a near-duplicate: the same text, so the same similarity
        return new DedupVerdict(doc, via.keptId(), Entries.Kind.FUZZY.label, via.estimated(),
            Double.isNaN(via.exact()) ? null : via.exact(), null, "same normalized text as " + d.keptId()
            + ", itself a near-duplicate" + (via.note() == null ? "" : " (" + via.note() + ")"));
      }
      return new DedupVerdict(doc, d.keptId(), d.kind().label,
          d.kind() == Entries.Kind.EXACT ? null : d.estimated(), Double.isNaN(d.exact()) ? null : d.exact(), null,
          d.note());
    }
    if (contamination != null && (doc.source() == null || !heldOutSources.contains(doc.source()))) {
      Optional<Contamination> c = contamination.check(doc.text());
      if (c.isPresent()) {
        return new DedupVerdict(doc, c.get().evaluationDocId(), DedupVerdict.CONTAMINATED, null, null,
            c.get().sharedNgrams(), c.get().ngram() + "-grams");
      }
    }
    return new DedupVerdict(doc, null);
  }
}
