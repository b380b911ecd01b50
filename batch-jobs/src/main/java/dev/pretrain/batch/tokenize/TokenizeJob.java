package dev.pretrain.batch.tokenize;

import dev.pretrain.batch.BatchJobRunner;
import dev.pretrain.db.Database;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.db.storage.RunObjectKeys;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.LongConsumer;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.infrastructure.item.ExecutionContext;

/** How callers (the tokenize activity) run {@link TokenizeJobConfig#JOB_NAME} on one document shard. */
public final class TokenizeJob {

  public static final String STEP = "tokenize";

  /**
   * @param shardIndex     numbers the output files ({@code train-<shardIndex>.bin})
   * @param encoding       {@code r50k_base} (GPT-2's vocabulary) or {@code bpe} (the run's own, from {@code tokenizer})
   * @param tokenizer      the tokenizer step's tokenizer.json for {@code bpe}; null for {@code r50k_base}
   * @param valFraction    fraction of documents (by id hash) sent to val, in [0, 1)
   * @param heldOutSources sources whose documents all go to val
   * @param attempt        the caller's attempt number (Temporal's), recorded with the job instance
   */
  public record Request(String runId, String bucket, int shardIndex, ObjectStore.Stored documentShard,
      String encoding, ObjectStore.Stored tokenizer, double valFraction, List<String> heldOutSources, int attempt) {
    public Request {
      heldOutSources = heldOutSources == null ? List.of() : List.copyOf(heldOutSources);
    }

    /** With GPT-2's vocabulary. */
    public Request(String runId, String bucket, int shardIndex, ObjectStore.Stored documentShard, String encoding,
        double valFraction, List<String> heldOutSources, int attempt) {
      this(runId, bucket, shardIndex, documentShard, encoding, null, valFraction, heldOutSources, attempt);
    }
  }

  /** A split without documents has null refs. */
  public record Result(int shardIndex, long documents, long trainDocuments, long valDocuments, long trainTokens,
      long valTokens, long bytesIn, ObjectStore.Stored trainBin, ObjectStore.Stored trainMap, ObjectStore.Stored valBin,
      ObjectStore.Stored valMap) {}

  private TokenizeJob() {}

  /** This job's launch, as its step beans see it: the request and the progress callback. */
  static BatchJobRunner.Launch<Request, LongConsumer> launch(BatchJobRunner.Launches launches, String launchId) {
    return launches.get(launchId, Request.class, LongConsumer.class);
  }

  /**
   * Checks what the caller controls; nothing is started when this throws.
   *
   * @throws IllegalArgumentException for an unsupported encoding, a valFraction outside [0, 1) or a missing field
   */
  public static void validate(Request request) {
    if (request == null) {
      throw new IllegalArgumentException("tokenize request is missing");
    }
    if (request.runId() == null || request.runId().isBlank()) {
      throw new IllegalArgumentException("tokenize request has no runId");
    }
    if (request.bucket() == null || request.bucket().isBlank()) {
      throw new IllegalArgumentException("tokenize request has no bucket");
    }
    if (request.documentShard() == null) {
      throw new IllegalArgumentException("tokenize request has no document shard");
    }
    if (request.shardIndex() < 0) {
      throw new IllegalArgumentException("shardIndex must not be negative, got " + request.shardIndex());
    }
    if (DocumentTokenizer.BPE.equals(request.encoding())) {
      if (request.tokenizer() == null) {
        throw new IllegalArgumentException("encoding bpe needs the tokenizer step's tokenizer.json, and none was given");
      }
    } else if (!DocumentTokenizer.R50K_BASE.equals(request.encoding())) {
      throw new IllegalArgumentException("unsupported encoding '" + request.encoding() + "': tokenize writes llm.c"
          + " uint16 shards with " + DocumentTokenizer.R50K_BASE + " (GPT-2's vocabulary) or "
          + DocumentTokenizer.BPE + " (the run's own, trained by the tokenizer step)");
    }
    if (!(request.valFraction() >= 0.0 && request.valFraction() < 1.0)) {
      throw new IllegalArgumentException("valFraction must be in [0, 1), got " + request.valFraction());
    }
  }

  /**
   * Tokenizes one document shard. Every call is a new job instance that starts from scratch; the
   * output bytes depend only on the request, so a retried attempt rewrites identical objects.
   *
   * @param progress called after each chunk with the number of documents tokenized so far
   * @throws IllegalArgumentException see {@link #validate}
   * @throws IllegalStateException    when the job fails, with the job's own failure messages
   */
  public static Result run(BatchJobRunner runner, Request request, LongConsumer progress) {
    validate(request);
    LongConsumer callback = progress == null ? n -> {} : progress;
    JobExecution execution = runner.launch(TokenizeJobConfig.JOB_NAME, STEP, request.runId(), request, callback,
        parameters(request));
    var documentsStep = BatchJobRunner.step(execution, TokenizeJobConfig.DOCUMENTS_STEP);
    ExecutionContext counts = documentsStep.getExecutionContext();
    long trainDocs = counts.getLong(Split.TRAIN.prefix() + TokenShardWriter.DOCS, 0L);
    long valDocs = counts.getLong(Split.VAL.prefix() + TokenShardWriter.DOCS, 0L);
    if (trainDocs + valDocs != documentsStep.getReadCount()) {
      throw new IllegalStateException("tokenize counts do not add up: read " + documentsStep.getReadCount()
          + ", train " + trainDocs + ", val " + valDocs);
    }
    ArtifactRepository artifacts = new ArtifactRepository(runner.bean(Database.class).jdbc());
    Request r = request;
    return new Result(r.shardIndex(), trainDocs + valDocs, trainDocs, valDocs,
        counts.getLong(Split.TRAIN.prefix() + TokenShardWriter.TOKENS, 0L),
        counts.getLong(Split.VAL.prefix() + TokenShardWriter.TOKENS, 0L),
        r.documentShard().sizeBytes(),
        recorded(artifacts, r, trainDocs, RunObjectKeys.tokenShard(r.runId(), Split.TRAIN.prefix(), r.shardIndex())),
        recorded(artifacts, r, trainDocs, RunObjectKeys.tokenMap(r.runId(), Split.TRAIN.prefix(), r.shardIndex())),
        recorded(artifacts, r, valDocs, RunObjectKeys.tokenShard(r.runId(), Split.VAL.prefix(), r.shardIndex())),
        recorded(artifacts, r, valDocs, RunObjectKeys.tokenMap(r.runId(), Split.VAL.prefix(), r.shardIndex())));
  }

  private static ObjectStore.Stored recorded(ArtifactRepository artifacts, Request r, long docs, String key) {
    if (docs == 0) {
      return null;
    }
    String uri = "s3://" + r.bucket() + "/" + key;
    ArtifactRepository.Artifact a = artifacts.find(uri)
        .orElseThrow(() -> new IllegalStateException("tokenizeJob completed but recorded no artifact " + uri));
    return new ObjectStore.Stored(r.bucket(), key, a.sha256(), a.sizeBytes());
  }

  /** Job parameter values are stored in a VARCHAR(2500); a longer list is identified by its digest. */
  private static String fitParameter(String value) {
    if (value.length() <= 1000) {
      return value;
    }
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
      return "sha256:" + HexFormat.of().formatHex(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Identifying: the shard, every parameter that shapes the output and attempt (see DedupJob). */
  private static JobParametersBuilder parameters(Request r) {
    return new JobParametersBuilder()
        .addString("runId", r.runId())
        .addString("bucket", r.bucket())
        .addLong("shardIndex", (long) r.shardIndex())
        .addString("documentShard", r.documentShard().uri())
        .addString("documentShardSha256", String.valueOf(r.documentShard().sha256()))
        .addString("encoding", r.encoding())
        .addString("tokenizerSha256", r.tokenizer() == null ? "" : r.tokenizer().sha256())
        .addDouble("valFraction", r.valFraction())
        .addString("heldOutSources", fitParameter(String.join(",", r.heldOutSources())))
        .addLong("attempt", (long) r.attempt());
  }
}
