package dev.pretrain.db.storage;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The layout of a run's objects in the bucket, {@code runs/<runId>/<step>/...}: every key a step
 * writes or lists is built here, and the names that must be read back (checkpoint steps) are parsed
 * here. Existing runs and the step cache point at these keys, so a change to any format breaks them;
 * {@code RunObjectKeysTest} pins each one, and docs/architecture.md §6 describes them.
 */
public final class RunObjectKeys {

  // The checkpoint's step: seven or more digits, at the end of a key or URI.
  private static final Pattern CHECKPOINT = Pattern.compile("/train/ckpt-(\\d{7,})\\.pt$");

  // An ingest partition's objects: documents, quarantine, rejects.
  private static final Pattern INGEST_PARTITION = Pattern.compile("/ingest/(?:docs|quarantine|rejects)-(\\d{5})[-.]");

  private RunObjectKeys() {}

  /** The ingest partition an ingest object (key or URI) belongs to, or -1 for any other object. */
  public static int ingestPartitionOf(String keyOrUri) {
    Matcher m = INGEST_PARTITION.matcher(keyOrUri);
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }

  /** The anchor of the run's newest lineage seal (docs/audit.md): {@code runs/<runId>/audit/seal.json}. */
  public static String auditSeal(String runId) {
    return format("runs/%s/audit/seal.json", runId);
  }

  /** Everything of the run: {@code runs/<runId>/}. */
  public static String runPrefix(String runId) {
    return "runs/" + runId + "/";
  }

  /** Documents of ingest partition {@code partition}, shard {@code shard}. */
  public static String ingestShard(String runId, int partition, int shard) {
    return format("runs/%s/ingest/docs-%05d-%03d.jsonl", runId, partition, shard);
  }

  /** The partition's quarantined and rejected records. */
  public static String ingestQuarantine(String runId, int partition) {
    return format("runs/%s/ingest/quarantine-%05d.jsonl", runId, partition);
  }

  /** The partition's documents removed by curation, each with the rule, measured value and threshold. */
  public static String ingestRejects(String runId, int partition) {
    return format("runs/%s/ingest/rejects-%05d.jsonl", runId, partition);
  }

  /** What dedup kept of input shard {@code shardIndex}. */
  public static String dedupShard(String runId, int shardIndex) {
    return format("runs/%s/dedup/docs-%05d.jsonl", runId, shardIndex);
  }

  /** The run's own BPE vocabulary, as a Hugging Face tokenizer.json. */
  public static String tokenizerJson(String runId) {
    return format("runs/%s/tokenizer/tokenizer.json", runId);
  }

  /** The documents the tokenizer was trained on, one JSON line each. */
  public static String tokenizerSample(String runId) {
    return format("runs/%s/tokenizer/sample.jsonl", runId);
  }

  /** The tokenizer's parameters and figures. */
  public static String tokenizerCard(String runId) {
    return format("runs/%s/tokenizer/card.json", runId);
  }

  /** The trained model as GGUF of one type ({@code f32}, {@code f16}, {@code q8_0}, {@code q4_0}). */
  public static String exportGguf(String runId, String type) {
    return format("runs/%s/export/model-%s.gguf", runId, type);
  }

  /** The evaluation of one exported GGUF type on the held-out split ({@code eval-q4_0.json}). */
  public static String exportEvaluation(String runId, String type) {
    return format("runs/%s/export/eval-%s.json", runId, type);
  }

  /** The run's evaluation report and model card ({@code evaluation.json}, {@code evaluation.html}, {@code model-card.md}, ...). */
  public static String report(String runId, String file) {
    return format("runs/%s/report/%s", runId, file);
  }

  /** The training loss of every step so far ({@code loss-curve.jsonl}), rewritten at each checkpoint. */
  public static String trainLossCurve(String runId) {
    return format("runs/%s/train/loss-curve.jsonl", runId);
  }

  /** A file of the model exported as safetensors ({@code model.safetensors}, {@code config.json}, ...). */
  public static String exportSafetensors(String runId, String dtype, String file) {
    return format("runs/%s/export/safetensors-%s/%s", runId, dtype, file);
  }

  /** Token shard of a split ({@code train} or {@code val}). */
  public static String tokenShard(String runId, String split, int shardIndex) {
    return format("runs/%s/tokenize/%s-%05d.bin", runId, split, shardIndex);
  }

  /** Token range → document map of a token shard. */
  public static String tokenMap(String runId, String split, int shardIndex) {
    return format("runs/%s/tokenize/%s-%05d.map.jsonl", runId, split, shardIndex);
  }

  public static String trainCheckpoint(String runId, long step) {
    return format("runs/%s/train/ckpt-%07d.pt", runId, step);
  }

  /** Lists the run's checkpoints. */
  public static String trainCheckpointPrefix(String runId) {
    return "runs/" + runId + "/train/ckpt-";
  }

  /** The step of a checkpoint key or URI, or -1 when it is not a checkpoint's. */
  public static long checkpointStep(String keyOrUri) {
    Matcher m = CHECKPOINT.matcher(keyOrUri);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  public static String trainModel(String runId) {
    return "runs/" + runId + "/train/model.pt";
  }

  public static String trainTokenRanges(String runId) {
    return "runs/" + runId + "/train/token-ranges.json";
  }

  public static String evaluateReport(String runId, String label) {
    return "runs/" + runId + "/evaluate/" + label + ".json";
  }

  public static String quantizedModel(String runId) {
    return "runs/" + runId + "/quantize/model-q8_0.bin";
  }

  public static String quantizeReport(String runId) {
    return "runs/" + runId + "/quantize/report.json";
  }

  // Locale.ROOT: ASCII digits whatever the default locale.
  private static String format(String pattern, Object... args) {
    return String.format(Locale.ROOT, pattern, args);
  }
}
