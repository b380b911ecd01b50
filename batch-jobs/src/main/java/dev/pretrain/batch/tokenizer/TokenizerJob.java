package dev.pretrain.batch.tokenizer;

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

/**
 * How callers (the tokenizer activity) run {@link TokenizerJobConfig#JOB_NAME}: trains the run's own
 * byte-level BPE vocabulary on a sample of the kept documents and stores it as a Hugging Face
 * {@code tokenizer.json}, with the sample's document list and a card of the parameters.
 */
public final class TokenizerJob {

  public static final String STEP = "tokenizer";
  /** The one special token: llm.c's document separator, the last id of the vocabulary. */
  public static final String END_OF_TEXT = "<|endoftext|>";
  public static final int MIN_VOCAB = 256 + 1 + 1;
  /** llm.c's uint16 token shards hold ids below 65,536. */
  public static final int MAX_VOCAB = 65_536;

  /**
   * @param documentShards the kept documents (dedup's output shards), in order
   * @param vocabSize      ids in all: 256 bytes + merges + 1 special token
   * @param sampleBytes    UTF-8 text bytes of the training sample (the sample may pass it by one document)
   * @param seed           orders the documents for the sample
   * @param minFrequency   a pair seen fewer times than this is never merged (0: no floor)
   * @param valFraction    with {@code heldOutSources}: the tokenize step's split; held-out documents are
   *                       never in the sample, so compression measured on them is honest
   */
  public record Request(String runId, String bucket, List<ObjectStore.Stored> documentShards, int vocabSize,
      long sampleBytes, long seed, long minFrequency, double valFraction, List<String> heldOutSources, int attempt) {
    public Request {
      documentShards = documentShards == null ? List.of() : List.copyOf(documentShards);
      heldOutSources = heldOutSources == null ? List.of() : List.copyOf(heldOutSources);
    }
  }

  /**
   * @param candidates      train-split documents read (those the sample could take)
   * @param candidateBytes  their text bytes
   * @param heldOut         documents skipped because they belong to the held-out split
   * @param trainMillis     the trainer's wall time (counting words and merging)
   */
  public record Result(ObjectStore.Stored tokenizer, ObjectStore.Stored sample, ObjectStore.Stored card,
      int vocabSize, int merges, long sampleDocuments, long sampleBytes, long candidates, long candidateBytes,
      long heldOut, long trainMillis) {}

  private TokenizerJob() {}

  static BatchJobRunner.Launch<Request, LongConsumer> launch(BatchJobRunner.Launches launches, String launchId) {
    return launches.get(launchId, Request.class, LongConsumer.class);
  }

  /** @throws IllegalArgumentException naming the field when the request cannot make a tokenizer */
  public static void validate(Request r) {
    if (r == null || r.runId() == null || r.runId().isBlank() || r.bucket() == null || r.bucket().isBlank()) {
      throw new IllegalArgumentException("tokenizer request needs a runId and a bucket");
    }
    if (r.documentShards().isEmpty()) {
      throw new IllegalArgumentException("tokenizer: no document shards to train on (dedup kept nothing)");
    }
    if (r.vocabSize() < MIN_VOCAB || r.vocabSize() > MAX_VOCAB) {
      throw new IllegalArgumentException("tokenize.vocabSize must be in [" + MIN_VOCAB + ", " + MAX_VOCAB
          + "] (256 bytes + merges + " + END_OF_TEXT + "; llm.c shards are uint16), got " + r.vocabSize());
    }
    if (r.sampleBytes() < 1) {
      throw new IllegalArgumentException("tokenize.sampleBytes must be positive, got " + r.sampleBytes());
    }
    if (r.minFrequency() < 0) {
      throw new IllegalArgumentException("tokenize.minFrequency must not be negative, got " + r.minFrequency());
    }
    if (!(r.valFraction() >= 0.0 && r.valFraction() < 1.0)) {
      throw new IllegalArgumentException("valFraction must be in [0, 1), got " + r.valFraction());
    }
  }

  /**
   * Trains and publishes. Every call is a new job instance; the objects written depend only on the
   * request (same documents, same vocabulary, byte for byte), so a retried attempt rewrites them unchanged.
   */
  public static Result run(BatchJobRunner runner, Request request, LongConsumer progress) {
    validate(request);
    JobExecution execution = runner.launch(TokenizerJobConfig.JOB_NAME, STEP, request.runId(), request,
        progress == null ? (LongConsumer) n -> {} : progress, parameters(request));
    ExecutionContext sample = BatchJobRunner.step(execution, TokenizerJobConfig.SAMPLE_STEP).getExecutionContext();
    ExecutionContext trained = BatchJobRunner.step(execution, TokenizerJobConfig.TRAIN_STEP).getExecutionContext();
    ArtifactRepository artifacts = new ArtifactRepository(runner.bean(Database.class).jdbc());
    return new Result(
        stored(artifacts, request, RunObjectKeys.tokenizerJson(request.runId())),
        stored(artifacts, request, RunObjectKeys.tokenizerSample(request.runId())),
        stored(artifacts, request, RunObjectKeys.tokenizerCard(request.runId())),
        trained.getInt(TokenizerPublisher.VOCAB_SIZE), trained.getInt(TokenizerPublisher.MERGES),
        sample.getLong(SampleSelector.SAMPLE_DOCUMENTS), sample.getLong(SampleSelector.SAMPLE_BYTES),
        sample.getLong(SampleSelector.CANDIDATES), sample.getLong(SampleSelector.CANDIDATE_BYTES),
        sample.getLong(SampleSelector.HELD_OUT), trained.getLong(TokenizerPublisher.TRAIN_MILLIS));
  }

  private static ObjectStore.Stored stored(ArtifactRepository artifacts, Request r, String key) {
    String uri = "s3://" + r.bucket() + "/" + key;
    ArtifactRepository.Artifact a = artifacts.find(uri)
        .orElseThrow(() -> new IllegalStateException("tokenizerJob completed but recorded no artifact " + uri));
    return new ObjectStore.Stored(r.bucket(), key, a.sha256(), a.sizeBytes());
  }

  /** Job parameter values are VARCHAR(2500): long lists are identified by their digest. */
  private static String digest(String value) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JobParametersBuilder parameters(Request r) {
    StringBuilder shards = new StringBuilder();
    for (ObjectStore.Stored s : r.documentShards()) {
      shards.append(s.uri()).append('@').append(s.sha256()).append('\n');
    }
    return new JobParametersBuilder()
        .addString("runId", r.runId())
        .addString("bucket", r.bucket())
        .addString("documentShards", digest(shards.toString()))
        .addLong("vocabSize", (long) r.vocabSize())
        .addLong("sampleBytes", r.sampleBytes())
        .addLong("seed", r.seed())
        .addLong("minFrequency", r.minFrequency())
        .addDouble("valFraction", r.valFraction())
        .addString("heldOutSources", digest(String.join(",", r.heldOutSources())))
        .addLong("attempt", (long) r.attempt());
  }
}
