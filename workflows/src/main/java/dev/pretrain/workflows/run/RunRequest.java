package dev.pretrain.workflows.run;

import dev.pretrain.workflows.dedup.DedupParams;
import dev.pretrain.workflows.ingest.CurateParams;
import dev.pretrain.workflows.train.TrainParams;
import java.util.List;

/**
 * What a run does, resolved from a recipe by the CLI. Everything here is small and deterministic.
 *
 * @param runId          our run id; the workflow id is {@code pretrain-<runId>}
 * @param recipe         recipe name (for search attributes and the database)
 * @param inputs         S3 prefixes ({@code s3://bucket/prefix/}) or local paths
 * @param bucket         bucket that receives the run's artifacts
 * @param ingest         ingest parameters
 * @param tokenize       tokenize parameters
 * @param train          model, training and evaluation parameters; null (a request written before
 *                       the train step existed) means {@link TrainParams#defaults()}
 * @param noCache        steps whose cached results must not be reused (they are computed again);
 *                       null means none
 * @param until          the last step to run (a data-only run stops after {@code tokenize}, say);
 *                       null means every step
 * @param sovereignty    the region the run asks for and the jurisdictions its recipe declares (see
 *                       docs/sovereignty.md); null means none asked or declared
 * @param dedup          dedup parameters; null means {@link DedupParams#defaults()}
 * @param exportTypes    GGUF types the export step writes (f32, f16, q8_0, q4_0); null means
 *                       {@link #DEFAULT_EXPORT_TYPES}
 */
public record RunRequest(
    String runId,
    String recipe,
    List<String> inputs,
    String bucket,
    IngestParams ingest,
    TokenizeParams tokenize,
    TrainParams train,
    List<String> noCache,
    String until,
    Sovereignty sovereignty,
    DedupParams dedup,
    List<String> exportTypes) {

  /** What the export step writes when the recipe names nothing. */
  public static final List<String> DEFAULT_EXPORT_TYPES = List.of("f16", "q8_0", "q4_0");

  /** A request without export types (callers that predate them): the defaults apply. */
  public RunRequest(String runId, String recipe, List<String> inputs, String bucket, IngestParams ingest,
      TokenizeParams tokenize, TrainParams train, List<String> noCache, String until, Sovereignty sovereignty,
      DedupParams dedup) {
    this(runId, recipe, inputs, bucket, ingest, tokenize, train, noCache, until, sovereignty, dedup, null);
  }

  public RunRequest withExportTypes(List<String> types) {
    return new RunRequest(runId, recipe, inputs, bucket, ingest, tokenize, train, noCache, until, sovereignty, dedup,
        types == null ? null : List.copyOf(types));
  }

  public List<String> exportTypesOrDefaults() {
    return exportTypes == null || exportTypes.isEmpty() ? DEFAULT_EXPORT_TYPES : exportTypes;
  }

  /** A request without dedup parameters (callers that predate partitioned dedup): the defaults apply. */
  public RunRequest(String runId, String recipe, List<String> inputs, String bucket, IngestParams ingest,
      TokenizeParams tokenize, TrainParams train, List<String> noCache, String until, Sovereignty sovereignty) {
    this(runId, recipe, inputs, bucket, ingest, tokenize, train, noCache, until, sovereignty, null);
  }

  public DedupParams dedupOrDefaults() {
    return dedup == null ? DedupParams.defaults() : dedup;
  }

  public RunRequest withDedup(DedupParams params) {
    return new RunRequest(runId, recipe, inputs, bucket, ingest, tokenize, train, noCache, until, sovereignty, params,
        exportTypes);
  }

  /** A request that asks for no region and declares no jurisdictions (callers that predate policies). */
  public RunRequest(String runId, String recipe, List<String> inputs, String bucket, IngestParams ingest,
      TokenizeParams tokenize, TrainParams train, List<String> noCache, String until) {
    this(runId, recipe, inputs, bucket, ingest, tokenize, train, noCache, until, null);
  }

  /** A request with the default train parameters (callers that predate the train step). */
  public RunRequest(String runId, String recipe, List<String> inputs, String bucket, IngestParams ingest,
      TokenizeParams tokenize) {
    this(runId, recipe, inputs, bucket, ingest, tokenize, null, null, null);
  }

  public RunRequest(String runId, String recipe, List<String> inputs, String bucket, IngestParams ingest,
      TokenizeParams tokenize, TrainParams train) {
    this(runId, recipe, inputs, bucket, ingest, tokenize, train, null, null);
  }

  public RunRequest(String runId, String recipe, List<String> inputs, String bucket, IngestParams ingest,
      TokenizeParams tokenize, TrainParams train, List<String> noCache) {
    this(runId, recipe, inputs, bucket, ingest, tokenize, train, noCache, null);
  }

  /** Steps that must be computed even when the step cache holds a valid result. */
  public List<String> noCacheSteps() {
    return noCache == null ? List.of() : noCache;
  }

  public RunRequest withRunId(String id) {
    return new RunRequest(id, recipe, inputs, bucket, ingest, tokenize, train, noCache, until, sovereignty, dedup,
        exportTypes);
  }

  public RunRequest withNoCache(List<String> steps) {
    return new RunRequest(runId, recipe, inputs, bucket, ingest, tokenize, train, List.copyOf(steps), until, sovereignty, dedup,
        exportTypes);
  }

  public RunRequest withIngest(IngestParams params) {
    return new RunRequest(runId, recipe, inputs, bucket, params, tokenize, train, noCache, until, sovereignty, dedup,
        exportTypes);
  }

  public RunRequest withTokenize(TokenizeParams params) {
    return new RunRequest(runId, recipe, inputs, bucket, ingest, params, train, noCache, until, sovereignty, dedup,
        exportTypes);
  }

  /** The same request, stopping after {@code step} (null: every step). */
  public RunRequest withUntil(String step) {
    return new RunRequest(runId, recipe, inputs, bucket, ingest, tokenize, train, noCache, step, sovereignty, dedup,
        exportTypes);
  }

  /** The same request with its artifacts going to {@code name} (the bucket a placement chose). */
  public RunRequest withBucket(String name) {
    return new RunRequest(runId, recipe, inputs, name, ingest, tokenize, train, noCache, until, sovereignty, dedup,
        exportTypes);
  }

  public RunRequest withSovereignty(Sovereignty s) {
    return new RunRequest(runId, recipe, inputs, bucket, ingest, tokenize, train, noCache, until, s, dedup,
        exportTypes);
  }

  /**
   * What a recipe says about where its data may go; the policy itself is the workers' configuration.
   *
   * @param region        the region the run asks for; null: the policy's default region, else the first
   *                      configured region where every source may be stored and processed
   * @param jurisdictions source id to jurisdiction, over what the {@code sources} table records; null or
   *                      empty for none
   */
  public record Sovereignty(String region, java.util.Map<String, String> jurisdictions) {
    public java.util.Map<String, String> jurisdictionsOrEmpty() {
      return jurisdictions == null ? java.util.Map.of() : jurisdictions;
    }
  }

  /** The train parameters, defaults when none were given. */
  public TrainParams trainOrDefaults() {
    return train == null ? TrainParams.defaults() : train;
  }

  public RunRequest withTrain(TrainParams params) {
    return new RunRequest(runId, recipe, inputs, bucket, ingest, tokenize, params, noCache, until, sovereignty, dedup,
        exportTypes);
  }

  /**
   * @param unknownLicense what ingest does with a record that declares no license when its source
   *                       declares none either: {@code keep} (the default; the document's license
   *                       stays unknown) or {@code quarantine} (what an audited corpus needs); null
   *                       (a request written before this setting existed) means keep
   * @param curate         the curation stage (filters, language ID, PII); null (a request written before
   *                       curation existed, or built without it) means no curation
   */
  public record IngestParams(long targetPartitionBytes, long shardTargetBytes, String defaultJurisdiction,
      String unknownLicense, CurateParams curate) {

    public static final String KEEP = "keep";
    public static final String QUARANTINE = "quarantine";

    public IngestParams {
      if (unknownLicense != null && !unknownLicense.equals(KEEP) && !unknownLicense.equals(QUARANTINE)) {
        throw new IllegalArgumentException("unknownLicense is keep or quarantine, not '" + unknownLicense + "'");
      }
    }

    /** Without curation. */
    public IngestParams(long targetPartitionBytes, long shardTargetBytes, String defaultJurisdiction) {
      this(targetPartitionBytes, shardTargetBytes, defaultJurisdiction, KEEP, null);
    }

    /** Without curation. */
    public IngestParams(long targetPartitionBytes, long shardTargetBytes, String defaultJurisdiction,
        String unknownLicense) {
      this(targetPartitionBytes, shardTargetBytes, defaultJurisdiction, unknownLicense, null);
    }

    /** What a recipe gets when it says nothing: curation on, with its defaults. */
    public static IngestParams defaults() {
      return new IngestParams(32L << 20, 16L << 20, "unknown", KEEP, CurateParams.defaults());
    }

    public IngestParams withCurate(CurateParams params) {
      return new IngestParams(targetPartitionBytes, shardTargetBytes, defaultJurisdiction, unknownLicense, params);
    }

    /** True when a record of unknown license is quarantined. */
    public boolean quarantineUnknownLicense() {
      return QUARANTINE.equals(unknownLicense);
    }
  }

  /**
   * @param encoding     {@code r50k_base} (GPT-2's fixed vocabulary) or {@code bpe} (a byte-level BPE the
   *                     tokenizer step trains on this run's kept documents)
   * @param vocabSize    {@code bpe}: ids in all (256 bytes + merges + {@code <|endoftext|>}); 0 means
   *                     {@link #DEFAULT_VOCAB}
   * @param sampleBytes  {@code bpe}: text bytes of the training sample; 0 means {@link #DEFAULT_SAMPLE_BYTES}
   * @param minFrequency {@code bpe}: pairs seen fewer times are never merged (0: no floor)
   * @param seed         {@code bpe}: orders the documents the sample takes; 0 means {@link #DEFAULT_SEED}
   * @param driftSources of heldOutSources, those that are a newer version of text the run trains on (the
   *                     kernel documentation of 6.12 beside 6.1's): dedup drops their exact copies only,
   *                     so what is left of them (added and changed documents) is the drift set,
   *                     evaluated like any held-out source but never used to decontaminate training
   *                     documents (it shares text with them by nature)
   */
  public record TokenizeParams(String encoding, double valFraction, List<String> heldOutSources, int vocabSize,
      long sampleBytes, long minFrequency, long seed, List<String> driftSources) {

    /** Without drift sources (requests written before them). */
    public TokenizeParams(String encoding, double valFraction, List<String> heldOutSources, int vocabSize,
        long sampleBytes, long minFrequency, long seed) {
      this(encoding, valFraction, heldOutSources, vocabSize, sampleBytes, minFrequency, seed, null);
    }

    /** Held-out sources whose documents decontaminate training documents: all but the drift sources. */
    public List<String> decontaminatingSources() {
      List<String> all = heldOutSources == null ? List.of() : heldOutSources;
      if (driftSources == null || driftSources.isEmpty()) {
        return all;
      }
      return all.stream().filter(s -> !driftSources.contains(s)).toList();
    }

    public static final String R50K_BASE = "r50k_base";
    public static final String BPE = "bpe";
    public static final int DEFAULT_VOCAB = 8192;
    public static final long DEFAULT_SAMPLE_BYTES = 16_000_000L;
    public static final long DEFAULT_SEED = 1337;

    /** GPT-2's vocabulary, or a request written before the run's own tokenizer existed. */
    public TokenizeParams(String encoding, double valFraction, List<String> heldOutSources) {
      this(encoding, valFraction, heldOutSources, 0, 0, 0, 0);
    }

    /** GPT-2's r50k vocabulary: what requests built in code get (a recipe's default is {@link #ownVocabulary}). */
    public static TokenizeParams defaults() {
      return new TokenizeParams(R50K_BASE, 0.01, List.of());
    }

    /** The run's own BPE vocabulary with the default size and sample: what a recipe gets when it names no encoding. */
    public static TokenizeParams ownVocabulary(double valFraction, List<String> heldOutSources) {
      return new TokenizeParams(BPE, valFraction, heldOutSources, DEFAULT_VOCAB, DEFAULT_SAMPLE_BYTES, 0, DEFAULT_SEED);
    }

    /** True when the run trains its own vocabulary (the tokenizer step runs). */
    public boolean trainsTokenizer() {
      return BPE.equals(encoding);
    }

    public int vocabSizeOrDefault() {
      return vocabSize > 0 ? vocabSize : DEFAULT_VOCAB;
    }

    public long sampleBytesOrDefault() {
      return sampleBytes > 0 ? sampleBytes : DEFAULT_SAMPLE_BYTES;
    }

    public long seedOrDefault() {
      return seed != 0 ? seed : DEFAULT_SEED;
    }
  }
}
