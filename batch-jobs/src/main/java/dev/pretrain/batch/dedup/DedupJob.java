package dev.pretrain.batch.dedup;

import dev.pretrain.batch.BatchJobRunner;
import dev.pretrain.db.Database;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.db.storage.RunObjectKeys;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.LongConsumer;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.step.StepExecution;

/**
 * How callers (the dedup activity) run {@link DedupJobConfig#JOB_NAME}: one launch dedups all input
 * shards of a run, because "first occurrence" is global.
 */
public final class DedupJob {

  public static final String STEP = "dedup";

  /**
   * @param inputShards document shards in the order that decides which twin is first
   * @param attempt     the caller's attempt number (Temporal's), recorded with the job instance
   */
  public record Request(String runId, String bucket, List<ObjectStore.Stored> inputShards, int attempt,
      Filter filter) {
    public Request {
      inputShards = inputShards == null ? List.of() : List.copyOf(inputShards);
    }

    /** Exact dedup of all input shards in one launch (the step before partitioned dedup). */
    public Request(String runId, String bucket, List<ObjectStore.Stored> inputShards, int attempt) {
      this(runId, bucket, inputShards, attempt, null);
    }

    int firstShard() {
      return filter == null ? 0 : filter.firstShard();
    }
  }

  /**
   * The partitioned dedup's last stage for one filter group: the input shards are the run's shards
   * {@code firstShard ..}; the documents the drop files name are dropped, then (when {@code
   * contamination} is set) training documents that overlap a held-out evaluation document.
   *
   * @param group         the filter group (its tally rows are part {@code group} of the step's tally)
   * @param redirects     the components stage's redirects (near-duplicates that had exact copies), or null
   * @param heldOutSources sources whose documents are evaluation data (never checked for contamination)
   * @param driftSources   sources whose documents are dropped as exact copies only: a near copy of a
   *                       trained document is a changed version of it, what a drift set measures
   */
  public record Filter(int group, int firstShard, List<ObjectStore.Stored> dropFiles, ObjectStore.Stored redirects,
      DropListProcessor.ContaminationCheck contamination, java.util.Set<String> heldOutSources,
      java.util.Set<String> driftSources) {
    public Filter {
      dropFiles = dropFiles == null ? List.of() : List.copyOf(dropFiles);
      heldOutSources = heldOutSources == null ? java.util.Set.of() : java.util.Set.copyOf(heldOutSources);
      driftSources = driftSources == null ? java.util.Set.of() : java.util.Set.copyOf(driftSources);
    }

    public Filter(int group, int firstShard, List<ObjectStore.Stored> dropFiles, ObjectStore.Stored redirects,
        DropListProcessor.ContaminationCheck contamination, java.util.Set<String> heldOutSources) {
      this(group, firstShard, dropFiles, redirects, contamination, heldOutSources, null);
    }
  }

  /**
   * {@code documentsIn = kept + duplicates}; {@code outputShards.get(i)} holds what was kept of input i;
   * {@code byKind}: the duplicates by kind (exact, fuzzy, contaminated).
   */
  public record Result(long documentsIn, long kept, long duplicates, long bytesIn, List<ObjectStore.Stored> outputShards,
      java.util.Map<String, Long> byKind) {}

  private DedupJob() {}

  /** This job's launch, as its step beans see it: the input list and the progress callback. */
  static BatchJobRunner.Launch<Request, LongConsumer> launch(BatchJobRunner.Launches launches, String launchId) {
    return launches.get(launchId, Request.class, LongConsumer.class);
  }

  /**
   * Runs the dedup job to the end. Every call is a new job instance that starts from scratch: a
   * retried attempt redoes the whole step, which is safe because the output is deterministic.
   *
   * @param progress called after each chunk with the number of documents read so far
   * @throws IllegalArgumentException for a malformed request (nothing is started)
   * @throws IllegalStateException    when the job fails, with the job's own failure messages
   */
  public static Result run(BatchJobRunner runner, Request request, LongConsumer progress) {
    validate(request);
    LongConsumer callback = progress == null ? n -> {} : progress;
    JobExecution execution = runner.launch(DedupJobConfig.JOB_NAME, STEP, request.runId(), request, callback,
        parameters(request));
    StepExecution documents = BatchJobRunner.step(execution, DedupJobConfig.DOCUMENTS_STEP);
    long kept = documents.getExecutionContext().getLong(DedupShardWriter.KEPT, 0L);
    long duplicates = documents.getExecutionContext().getLong(DedupShardWriter.DUPLICATES, 0L);
    java.util.Map<String, Long> byKind = new java.util.TreeMap<>();
    for (String kind : List.of(DedupVerdict.EXACT, DedupVerdict.FUZZY, DedupVerdict.CONTAMINATED)) {
      byKind.put(kind, documents.getExecutionContext().getLong(DedupShardWriter.DUPLICATES + "." + kind, 0L));
    }
    if (kept + duplicates != documents.getReadCount()) {
      throw new IllegalStateException("dedup counts do not add up: read " + documents.getReadCount() + ", kept "
          + kept + ", duplicates " + duplicates);
    }
    ArtifactRepository artifacts = new ArtifactRepository(runner.bean(Database.class).jdbc());
    List<ObjectStore.Stored> outputs = new ArrayList<>();
    for (int i = 0; i < request.inputShards().size(); i++) {
      String key = RunObjectKeys.dedupShard(request.runId(), request.firstShard() + i);
      String uri = "s3://" + request.bucket() + "/" + key;
      ArtifactRepository.Artifact a = artifacts.find(uri)
          .orElseThrow(() -> new IllegalStateException("dedupJob completed but recorded no artifact " + uri));
      outputs.add(new ObjectStore.Stored(request.bucket(), key, a.sha256(), a.sizeBytes()));
    }
    long bytesIn = request.inputShards().stream().mapToLong(ObjectStore.Stored::sizeBytes).sum();
    return new Result(kept + duplicates, kept, duplicates, bytesIn, outputs, byKind);
  }

  static void validate(Request request) {
    if (request == null) {
      throw new IllegalArgumentException("dedup request is missing");
    }
    requireText(request.runId(), "runId");
    requireText(request.bucket(), "bucket");
    for (int i = 0; i < request.inputShards().size(); i++) {
      ObjectStore.Stored s = request.inputShards().get(i);
      if (s.bucket() == null || s.key() == null) {
        throw new IllegalArgumentException("dedup input shard " + i + " has no bucket/key: " + s);
      }
    }
  }

  private static void requireText(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("dedup request has no " + name);
    }
  }

  /**
   * Identifying: run, the exact input list (as a digest) and attempt; the launcher adds the launch id,
   * which makes even a replayed attempt number (a workflow Reset starts again at attempt 1) a new
   * instance, so Spring Batch never resumes a half-done launch whose scratch files are gone.
   */
  private static JobParametersBuilder parameters(Request request) {
    return new JobParametersBuilder()
        .addString("runId", request.runId())
        .addString("bucket", request.bucket())
        .addString("inputs", inputsDigest(request.inputShards()))
        .addLong("inputShards", (long) request.inputShards().size(), false)
        .addLong("attempt", (long) request.attempt())
        .addLong("firstShard", (long) request.firstShard(), false)
        .addString("drops", request.filter() == null ? "" : inputsDigest(request.filter().dropFiles()), false);
  }

  private static String inputsDigest(List<ObjectStore.Stored> shards) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (ObjectStore.Stored s : shards) {
        md.update((s.uri() + " " + s.sha256() + "\n").getBytes(StandardCharsets.UTF_8));
      }
      return "sha256:" + HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
