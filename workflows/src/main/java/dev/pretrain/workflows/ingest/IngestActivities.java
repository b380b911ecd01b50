package dev.pretrain.workflows.ingest;

import dev.pretrain.workflows.ArtifactRef;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

@ActivityInterface
public interface IngestActivities {

  /** Lists the run's inputs (S3 prefixes or local paths) and groups them into partitions, in a stable order. */
  @ActivityMethod
  List<IngestPartition> planIngest(PlanRequest request);

  /** Runs the ingest job over one partition: validate, normalize, quarantine bad records, write document shards. */
  @ActivityMethod
  PartitionResult ingestPartition(PartitionRequest request);

  /**
   * @param inputs           {@code s3://bucket/prefix/} or local paths / {@code file://} URIs
   * @param targetPartitionBytes partitions are filled up to about this many input bytes
   */
  record PlanRequest(String runId, List<String> inputs, long targetPartitionBytes) {}

  /**
   * @param bucket          where shards are written (under {@code runs/<runId>/ingest/})
   * @param shardTargetBytes a document shard is closed once it holds about this many bytes
   * @param defaultJurisdiction jurisdiction recorded for documents whose record does not carry one
   * @param quarantineUnknownLicense quarantine a record when neither it nor its source declares a
   *                        license (null, in requests recorded before the setting: false)
   * @param curate          the curation stage; null (no curation, or a request recorded before it existed)
   * @param jurisdictions   the sovereignty policy's rule for records in the run's region; null: any
   */
  record PartitionRequest(
      String runId,
      String bucket,
      IngestPartition partition,
      long shardTargetBytes,
      String defaultJurisdiction,
      Boolean quarantineUnknownLicense,
      CurateParams curate,
      JurisdictionRule jurisdictions) {

    public PartitionRequest(String runId, String bucket, IngestPartition partition, long shardTargetBytes,
        String defaultJurisdiction, Boolean quarantineUnknownLicense, CurateParams curate) {
      this(runId, bucket, partition, shardTargetBytes, defaultJurisdiction, quarantineUnknownLicense, curate, null);
    }

    public PartitionRequest(String runId, String bucket, IngestPartition partition, long shardTargetBytes,
        String defaultJurisdiction) {
      this(runId, bucket, partition, shardTargetBytes, defaultJurisdiction, false, null);
    }
  }

  /**
   * Counts are conserved: {@code recordsIn = kept + rejected + quarantined + filtered}.
   *
   * @param quarantine the quarantine shard (one JSON line per bad record: file, line, reason), or null if none
   * @param filtered   documents the curation stage removed (quality or language rule); 0 in older results
   * @param redacted   kept documents whose text had PII replaced; 0 in older results
   * @param rejects    the rejects shard (each removed document with its rule, measured value and
   *                   threshold), or null if none
   */
  record PartitionResult(
      int partitionIndex,
      long recordsIn,
      long kept,
      long rejected,
      long quarantined,
      long bytesIn,
      List<ArtifactRef> documentShards,
      ArtifactRef quarantine,
      long filtered,
      long redacted,
      ArtifactRef rejects) {

    public PartitionResult(int partitionIndex, long recordsIn, long kept, long rejected, long quarantined, long bytesIn,
        List<ArtifactRef> documentShards, ArtifactRef quarantine) {
      this(partitionIndex, recordsIn, kept, rejected, quarantined, bytesIn, documentShards, quarantine, 0, 0, null);
    }
  }
}
