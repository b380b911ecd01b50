package dev.pretrain.workflows.dedup;

import dev.pretrain.workflows.ArtifactRef;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

@ActivityInterface
public interface DedupActivities {

  /**
   * Exact dedup on the normalized text's SHA-256 across all shards, in shard order: the first
   * occurrence is kept; each dropped document is recorded with the id of the twin that was kept.
   * Writes one output shard per input shard (same order), so partitions stay aligned downstream.
   */
  @ActivityMethod
  DedupResult dedup(DedupRequest request);

  record DedupRequest(String runId, String bucket, List<ArtifactRef> documentShards) {}

  /** {@code documentsIn = kept + duplicates}. */
  record DedupResult(long documentsIn, long kept, long duplicates, long bytesIn, List<ArtifactRef> keptShards) {}
}
