package dev.pretrain.activities.train;

import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.documents.DocumentRepository;
import dev.pretrain.db.lineage.AuditQueries;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.StepNames;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The train step's lineage rows: each artifact it writes with its input edges, and the documents
 * a model's training windows touched (so lineage answers "which documents has this model seen").
 */
final class TrainLineage {

  private final ArtifactRepository artifacts;
  private final DocumentRepository documents;
  private final ObjectStore store;
  private final AuditQueries composition;

  TrainLineage(ArtifactRepository artifacts, DocumentRepository documents, ObjectStore store, AuditQueries composition) {
    this.artifacts = artifacts;
    this.documents = documents;
    this.store = store;
    this.composition = composition;
  }

  /** Records an artifact of the train step and the artifacts it was made from, in one transaction. */
  void record(String uri, String sha256, long size, String kind, String runId, List<String> inputs) {
    artifacts.record(new ArtifactRepository.Artifact(uri, sha256, size, kind, runId, StepNames.TRAIN,
        store.endpoint(), store.region(), Instant.now()), inputs);
  }

  /**
   * Records, as the model's membership rows, every document whose token range in a train shard
   * overlaps a consumed range, with how many of its tokens were read (both lists are sorted by
   * position, so one merge pass per shard; ranges are disjoint, so a token read twice counts once).
   *
   * @return how many documents the windows touched
   */
  long recordDocumentsSeen(String modelUri, List<ArtifactRef> trainShards, ConsumedTokens consumed) {
    Map<String, Long> tokensByDoc = new LinkedHashMap<>();
    for (ConsumedTokens.Shard c : consumed.shards()) {
      if (c.ranges().isEmpty()) {
        continue;
      }
      List<long[]> ranges = c.ranges();
      int r = 0;
      for (DocumentRepository.Membership m : documents.members(trainShards.get(c.index()).uri())) {
        if (m.tokenStart() == null || m.tokenEnd() == null) {
          continue;
        }
        while (r < ranges.size() && ranges.get(r)[1] <= m.tokenStart()) {
          r++;
        }
        long read = 0;
        for (int j = r; j < ranges.size() && ranges.get(j)[0] < m.tokenEnd(); j++) {
          read += Math.min(ranges.get(j)[1], m.tokenEnd()) - Math.max(ranges.get(j)[0], m.tokenStart());
        }
        if (read > 0) {
          tokensByDoc.merge(m.docId(), read, Long::sum); // one document can sit in several shards
        }
      }
    }
    List<DocumentRepository.Membership> seen = new ArrayList<>(tokensByDoc.size());
    for (Map.Entry<String, Long> e : tokensByDoc.entrySet()) {
      seen.add(new DocumentRepository.Membership(e.getKey(), seen.size(), null, null, e.getValue()));
    }
    documents.replaceMembers(modelUri, seen);
    composition.recordComposition(modelUri); // what the audit report reads: sources, licenses, tokens
    return seen.size();
  }
}
