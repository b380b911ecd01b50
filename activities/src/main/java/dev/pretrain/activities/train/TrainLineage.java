package dev.pretrain.activities.train;

import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.documents.DocumentRepository;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.StepNames;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The train step's lineage rows: each artifact it writes with its input edges, and the documents
 * a model's training windows touched (so lineage answers "which documents has this model seen").
 */
final class TrainLineage {

  private final ArtifactRepository artifacts;
  private final DocumentRepository documents;
  private final ObjectStore store;

  TrainLineage(ArtifactRepository artifacts, DocumentRepository documents, ObjectStore store) {
    this.artifacts = artifacts;
    this.documents = documents;
    this.store = store;
  }

  /** Records an artifact of the train step and the artifacts it was made from, in one transaction. */
  void record(String uri, String sha256, long size, String kind, String runId, List<String> inputs) {
    artifacts.record(new ArtifactRepository.Artifact(uri, sha256, size, kind, runId, StepNames.TRAIN,
        store.endpoint(), store.region(), Instant.now()), inputs);
  }

  /**
   * Records, as the model's membership rows, every document whose token range in a train shard
   * overlaps a consumed range (both are sorted by position, so one merge pass per shard).
   *
   * @return how many documents the windows touched
   */
  long recordDocumentsSeen(String modelUri, List<ArtifactRef> trainShards, ConsumedTokens consumed) {
    List<DocumentRepository.Membership> seen = new ArrayList<>();
    Set<String> ids = new HashSet<>();
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
        if (r < ranges.size() && ranges.get(r)[0] < m.tokenEnd() && ids.add(m.docId())) {
          seen.add(new DocumentRepository.Membership(m.docId(), seen.size(), null, null));
        }
      }
    }
    documents.replaceMembers(modelUri, seen);
    return seen.size();
  }
}
