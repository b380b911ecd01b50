package dev.pretrain.workflows.dedup;

import dev.pretrain.workflows.ArtifactRef;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;
import java.util.Map;

/**
 * The dedup step. {@link #dedup} is the one-activity exact dedup of runs started before partitioned
 * dedup (kept so their histories replay and in-flight runs finish). The partitioned dedup is six
 * stages, each a set of independent activities that any worker may take; they pass S3 objects
 * (entry files) to each other, never memory:
 * <ol>
 *   <li>{@link #hashShard}, per input shard: digests and LSH band buckets, routed into P partitions;
 *   <li>{@link #exactPartition}, per partition: exact copies (grouped by digest, keep rule);
 *   <li>{@link #bucketPartition}, per partition: candidate pairs from shared band buckets;
 *   <li>{@link #verifyPartition}, per partition: each distinct pair's similarity (exact Jaccard when checked);
 *   <li>{@link #components}, once: connected components of the similar pairs, one kept per component;
 *   <li>{@link #filterGroup}, per group of input shards: writes what is kept and records every drop.
 * </ol>
 * {@link #decontaminationIndex} builds the n-gram index of the held-out evaluation documents that the
 * filter checks training documents against.
 */
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

  @ActivityMethod
  HashResult hashShard(HashRequest request);

  /** @param forIndex hashing a kept shard for the dedup index (its files go apart from the run's own) */
  record HashRequest(String runId, String bucket, int shardIndex, ArtifactRef shard, DedupParams params,
      List<String> heldOutSources, boolean forIndex) {}

  /** Entry files by partition; {@code heldOut}: the shard's held-out documents (null if none). */
  record HashResult(long documents, long signed, long bytesIn, List<ArtifactRef> exactFiles,
      List<ArtifactRef> bandFiles, ArtifactRef heldOut, long bytesWritten) {}

  @ActivityMethod
  StageResult exactPartition(StageRequest request);

  @ActivityMethod
  StageResult bucketPartition(StageRequest request);

  /** One partition's entry files (one per input shard or per upstream partition). */
  record StageRequest(String runId, String bucket, int partition, List<ArtifactRef> files, int shards,
      DedupParams params, List<IndexPart> indexFiles) {}

  /** An entry file of the dedup index and where its shard numbers start (past the run's own shards). */
  record IndexPart(ArtifactRef file, int shardOffset) {}

  /**
   * The newest version of a dedup index (version 0: none yet): the shards its documents live in and
   * its entry files by partition, as this run reads them.
   */
  @ActivityMethod
  IndexSnapshot indexSnapshot(IndexSnapshotRequest request);

  record IndexSnapshotRequest(String runId, String bucket, String name, int runShards, DedupParams params) {}

  record IndexSnapshot(String name, int version, List<String> runs, List<ArtifactRef> shards,
      List<List<IndexPart>> exact, List<List<IndexPart>> bands) {}

  /** Writes the index's next version: the snapshot's files plus those of what this run kept. */
  @ActivityMethod
  StageResult updateIndex(UpdateIndexRequest request);

  record UpdateIndexRequest(String runId, String bucket, String name, int previousVersion, List<ArtifactRef> keptShards,
      List<List<ArtifactRef>> exactByPartition, List<List<ArtifactRef>> bandsByPartition, DedupParams params) {}

  /** A stage's output files (by group or partition) and its counts. */
  record StageResult(List<ArtifactRef> files, Map<String, Long> counts) {}

  @ActivityMethod
  StageResult verifyPartition(VerifyRequest request);

  record VerifyRequest(String runId, String bucket, int partition, List<ArtifactRef> pairFiles,
      List<ArtifactRef> inputShards, DedupParams params) {}

  /** Files: the drop files by filter group, then the redirects file (near-duplicates that had exact copies). */
  @ActivityMethod
  StageResult components(ComponentsRequest request);

  /** {@code inputShards}: the run's {@code runShards} shards, then those of the dedup index, if any. */
  record ComponentsRequest(String runId, String bucket, List<ArtifactRef> edgeFiles, List<ArtifactRef> inputShards,
      int runShards, DedupParams params) {}

  /** The n-gram index of the held-out documents, or a result without files when there are none. */
  @ActivityMethod
  StageResult decontaminationIndex(IndexRequest request);

  record IndexRequest(String runId, String bucket, List<ArtifactRef> heldOutFiles, DedupParams params) {}

  @ActivityMethod
  FilterResult filterGroup(FilterRequest request);

  /**
   * @param firstShard the run's index of {@code shards.get(0)}
   * @param dropFiles  this group's drop files from the exact and components stages
   * @param redirects  the components stage's redirects file, or null
   * @param index      the decontamination index, or null
   */
  record FilterRequest(String runId, String bucket, int group, int firstShard, List<ArtifactRef> shards,
      List<ArtifactRef> dropFiles, ArtifactRef redirects, ArtifactRef index, List<String> heldOutSources,
      DedupParams params, List<String> driftSources) {

    /** Without drift sources (requests written before them). */
    public FilterRequest(String runId, String bucket, int group, int firstShard, List<ArtifactRef> shards,
        List<ArtifactRef> dropFiles, ArtifactRef redirects, ArtifactRef index, List<String> heldOutSources,
        DedupParams params) {
      this(runId, bucket, group, firstShard, shards, dropFiles, redirects, index, heldOutSources, params, null);
    }
  }

  /** {@code documentsIn = kept + duplicates}; {@code byKind}: duplicates by exact, fuzzy, contaminated. */
  record FilterResult(long documentsIn, long kept, long duplicates, long bytesIn, List<ArtifactRef> keptShards,
      Map<String, Long> byKind) {}
}
