package dev.pretrain.batch.ingest;

import dev.pretrain.batch.curate.CurationSettings;
import dev.pretrain.batch.BatchJobRunner;
import dev.pretrain.db.Database;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.db.storage.RunObjectKeys;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/**
 * How callers (the ingest activity, the CLI) run {@link IngestJobConfig#JOB_NAME} over one partition:
 * validate, normalize and quarantine its records, write document shards to
 * {@code runs/<runId>/ingest/docs-<partition>-<k>.jsonl} and record documents, shards and lineage.
 */
public final class IngestJob {

  public static final String STEP = "ingest";
  /**
   * A JSONL line or text file longer than this is quarantined, never loaded whole: the reader buffers at
   * most this many bytes of a line. With {@link IngestJobConfig#CHUNK_SIZE} records per chunk this also
   * bounds a chunk's memory.
   */
  public static final int DEFAULT_MAX_RECORD_BYTES = 8 << 20;

  private static final Pattern SAFE_RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  /** One input file: {@code s3://bucket/key} or {@code file:///abs/path}, with its planned size. */
  public record Input(String uri, long sizeBytes) {}

  /**
   * @param attempt             the caller's attempt number (Temporal's); each attempt is a new job instance
   * @param shardTargetBytes    a document shard is closed once it holds at least this many bytes
   * @param defaultJurisdiction recorded for documents whose record carries none (may be null)
   * @param maxRecordBytes      longer lines / text files are quarantined
   * @param quarantineUnknownLicense quarantine a record when neither it nor its source (the
   *                            {@code sources} table) declares a license
   * @param curation            the curation stage after validation, or null for none
   */
  public record Request(
      String runId, int partition, int attempt, String bucket, List<Input> inputs, long shardTargetBytes,
      String defaultJurisdiction, int maxRecordBytes, boolean quarantineUnknownLicense, CurationSettings curation,
      JurisdictionCheck jurisdictionCheck) {
    public Request {
      inputs = List.copyOf(inputs);
    }

    /** Without a sovereignty check of each record's jurisdiction. */
    public Request(String runId, int partition, int attempt, String bucket, List<Input> inputs, long shardTargetBytes,
        String defaultJurisdiction, int maxRecordBytes, boolean quarantineUnknownLicense, CurationSettings curation) {
      this(runId, partition, attempt, bucket, inputs, shardTargetBytes, defaultJurisdiction, maxRecordBytes,
          quarantineUnknownLicense, curation, null);
    }

    public Request(String runId, int partition, int attempt, String bucket, List<Input> inputs, long shardTargetBytes,
        String defaultJurisdiction, int maxRecordBytes, boolean quarantineUnknownLicense) {
      this(runId, partition, attempt, bucket, inputs, shardTargetBytes, defaultJurisdiction, maxRecordBytes,
          quarantineUnknownLicense, null);
    }

    public Request(String runId, int partition, int attempt, String bucket, List<Input> inputs, long shardTargetBytes,
        String defaultJurisdiction) {
      this(runId, partition, attempt, bucket, inputs, shardTargetBytes, defaultJurisdiction, DEFAULT_MAX_RECORD_BYTES);
    }

    public Request(String runId, int partition, int attempt, String bucket, List<Input> inputs, long shardTargetBytes,
        String defaultJurisdiction, int maxRecordBytes) {
      this(runId, partition, attempt, bucket, inputs, shardTargetBytes, defaultJurisdiction, maxRecordBytes, false);
    }
  }

  /**
   * Counts are conserved: {@code recordsIn = kept + rejected + quarantined + filtered}.
   *
   * @param bytesIn    bytes read from the input files (compressed size for .gz)
   * @param quarantine the quarantine shard, or null when every record was kept
   * @param filtered   documents curation removed
   * @param redacted   kept documents whose text had PII replaced
   * @param rejects    the shard of documents curation removed, or null when none was
   */
  public record Result(
      int partition, long recordsIn, long kept, long rejected, long quarantined, long bytesIn,
      List<ObjectStore.Stored> documentShards, ObjectStore.Stored quarantine, long filtered, long redacted,
      ObjectStore.Stored rejects) {}

  /** Called after every chunk with the records and input bytes read so far. */
  @FunctionalInterface
  public interface Progress {
    void report(long records, long bytes);
  }

  private IngestJob() {}

  /** This job's launch, as its step beans see it: the request (with the input list) and the progress callback. */
  static BatchJobRunner.Launch<Request, Progress> launch(BatchJobRunner.Launches launches, String launchId) {
    return launches.get(launchId, Request.class, Progress.class);
  }

  /**
   * Runs the ingest job over one partition, to the end. Every call is a new job instance that starts
   * from scratch: a retried partition is redone whole, which is safe because its output is
   * byte-for-byte deterministic and every database write replaces earlier rows.
   *
   * @param progress may be null
   * @throws IllegalArgumentException for a malformed request (nothing is started)
   * @throws IllegalStateException    when the job fails; its cause is the job's first failure (an
   *                                  {@link IngestInputException} for bad input that a retry cannot fix)
   */
  public static Result run(BatchJobRunner runner, Request request, Progress progress) {
    validate(request);
    Progress callback = progress == null ? (r, b) -> {} : progress;
    JobExecution execution = runner.launch(IngestJobConfig.JOB_NAME, STEP, request.runId(), request, callback,
        parameters(request));
    ExecutionContext finish = BatchJobRunner.step(execution, IngestJobConfig.FINISH_STEP).getExecutionContext();
    if (!finish.containsKey(IngestJobConfig.DOCUMENT_SHARDS)) {
      throw new IllegalStateException("ingestJob completed without a result for partition " + request.partition());
    }
    ArtifactRepository artifacts = new ArtifactRepository(runner.bean(Database.class).jdbc());
    List<ObjectStore.Stored> shards = new ArrayList<>();
    for (int i = 0; i < finish.getInt(IngestJobConfig.DOCUMENT_SHARDS); i++) {
      String key = RunObjectKeys.ingestShard(request.runId(), request.partition(), i);
      shards.add(recorded(artifacts, request.bucket(), key));
    }
    ObjectStore.Stored quarantine = finish.getInt(IngestJobConfig.QUARANTINE_SHARDS) == 0 ? null
        : recorded(artifacts, request.bucket(), RunObjectKeys.ingestQuarantine(request.runId(), request.partition()));
    ObjectStore.Stored rejects = finish.getInt(IngestJobConfig.REJECTS_SHARDS) == 0 ? null
        : recorded(artifacts, request.bucket(), RunObjectKeys.ingestRejects(request.runId(), request.partition()));
    return new Result(request.partition(), finish.getLong(IngestJobConfig.RECORDS_IN),
        finish.getLong(IngestJobConfig.KEPT), finish.getLong(IngestJobConfig.REJECTED),
        finish.getLong(IngestJobConfig.QUARANTINED), finish.getLong(IngestJobConfig.BYTES_IN), shards, quarantine,
        finish.getLong(IngestJobConfig.FILTERED), finish.getLong(IngestJobConfig.REDACTED), rejects);
  }

  private static ObjectStore.Stored recorded(ArtifactRepository artifacts, String bucket, String key) {
    String uri = "s3://" + bucket + "/" + key;
    ArtifactRepository.Artifact a = artifacts.find(uri)
        .orElseThrow(() -> new IllegalStateException("ingestJob completed but recorded no artifact " + uri));
    return new ObjectStore.Stored(bucket, key, a.sha256(), a.sizeBytes());
  }

  static void validate(Request request) {
    if (request == null) {
      throw new IllegalArgumentException("ingest request is missing");
    }
    // The run id becomes part of object keys and local paths.
    if (request.runId() == null || !SAFE_RUN_ID.matcher(request.runId()).matches()) {
      throw new IllegalArgumentException("ingest run id must match " + SAFE_RUN_ID + ": " + request.runId());
    }
    if (request.bucket() == null || request.bucket().isBlank()) {
      throw new IllegalArgumentException("ingest request has no bucket");
    }
    if (request.partition() < 0) {
      throw new IllegalArgumentException("partition index must be >= 0: " + request.partition());
    }
    if (request.shardTargetBytes() <= 0) {
      throw new IllegalArgumentException("shardTargetBytes must be > 0: " + request.shardTargetBytes());
    }
    if (request.maxRecordBytes() <= 0) {
      throw new IllegalArgumentException("maxRecordBytes must be > 0: " + request.maxRecordBytes());
    }
    for (Input in : request.inputs()) {
      if (in == null || in.uri() == null || !(in.uri().startsWith("s3://") || in.uri().startsWith("file:"))) {
        throw new IllegalArgumentException("ingest input must be s3://bucket/key or file:///path: " + in);
      }
    }
  }

  /**
   * Identifying: run, partition and attempt; the launcher adds the launch id, which makes even a
   * replayed attempt number (a workflow Reset starts again at attempt 1) a new instance, so Spring
   * Batch never resumes a half-done launch whose scratch files are gone.
   */
  private static JobParametersBuilder parameters(Request request) {
    return new JobParametersBuilder()
        .addString("runId", request.runId())
        .addLong("partition", (long) request.partition())
        .addLong("attempt", (long) request.attempt())
        .addString("bucket", request.bucket(), false)
        .addLong("inputFiles", (long) request.inputs().size(), false)
        .addLong("shardTargetBytes", request.shardTargetBytes(), false);
  }
}
