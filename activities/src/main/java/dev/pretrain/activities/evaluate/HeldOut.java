package dev.pretrain.activities.evaluate;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.activities.ArtifactCache;
import dev.pretrain.activities.PipelineServices;
import dev.pretrain.activities.train.LlamaModel;
import dev.pretrain.activities.train.TokenShards;
import dev.pretrain.batch.tokenize.LlmcTokenShard;
import dev.pretrain.batch.tokenize.bpe.BpeVocabulary;
import dev.pretrain.batch.tokenize.bpe.HfTokenizerJson;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.evaluations.EvaluationRepository;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.evaluate.EvaluateActivities.EvaluateResult;
import dev.pretrain.workflows.train.TrainParams;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Evaluation on the held-out split, shared by the evaluate and quantize steps so that every model
 * of a run is measured on exactly the same tokens: the val shards in order, cut at
 * {@code evalMaxTokens}, read in windows of {@code seqLen} with {@code evalBatch} windows per pass.
 */
public final class HeldOut {

  public static final String REPORT_KIND = "eval-report";
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The tokens an evaluation reads: whole val shards, the last one possibly cut short.
   *
   * @param tokenBytes UTF-8 bytes of each token id of the vocabulary the shards were written with
   */
  public record Data(List<ArtifactRef> shards, List<Path> files, long tokens, int[] tokenBytes) {}

  private HeldOut() {}

  /**
   * Downloads the val shards (verified) and keeps a prefix of at most {@code maxTokens} tokens
   * (0 = all); a cut shard is copied to {@code scratch}.
   *
   * @param tokenizer the run's own tokenizer.json the shards were written with; null: r50k (GPT-2)
   */
  public static Data prepare(ArtifactCache cache, List<ArtifactRef> val, long maxTokens, Path scratch, Runnable each,
      ArtifactRef tokenizer) throws IOException {
    int[] tokenBytes = tokenizer == null ? Evaluator.r50kTokenBytes() : Evaluator.tokenBytes(readTokenizer(cache, tokenizer));
    if (val == null || val.isEmpty()) {
      throw new IllegalArgumentException("no held-out token shards to evaluate on");
    }
    List<ArtifactRef> shards = new ArrayList<>();
    List<Path> files = new ArrayList<>();
    long used = 0;
    for (ArtifactRef ref : val) {
      Path f = cache.fetch(ref);
      each.run();
      long n = TokenShards.open(List.of(f)).tokens(0);
      long room = maxTokens == 0 ? n : maxTokens - used;
      if (room < 2) {
        break; // a shard predicts tokens after its first: fewer than 2 add nothing
      }
      if (n > room) {
        TokenShards ts = TokenShards.open(List.of(f));
        int[] prefix = new int[(int) room];
        for (int i = 0; i < prefix.length; i++) {
          prefix[i] = ts.token(0, i);
        }
        Files.createDirectories(scratch);
        f = scratch.resolve(ref.sha256() + "-first-" + room + ".bin");
        LlmcTokenShard.write(f, prefix);
        n = room;
      }
      shards.add(ref);
      files.add(f);
      used += n;
    }
    return new Data(List.copyOf(shards), List.copyOf(files), used, tokenBytes);
  }

  private static BpeVocabulary readTokenizer(ArtifactCache cache, ArtifactRef tokenizer) throws IOException {
    try (InputStream in = Files.newInputStream(cache.fetch(tokenizer))) {
      return HfTokenizerJson.read(in, tokenizer.uri());
    }
  }

  /** Loss, perplexity and bits per byte (the byte lengths of the shards' vocabulary) of {@code model} on {@code data}. */
  public static Evaluator.Result evaluate(LlamaModel model, Data data, TrainParams p, LongConsumer progress)
      throws IOException {
    int seqLen = Math.min(p.seqLen(), model.config().contextLength());
    return Evaluator.evaluate(model, TokenShards.open(data.files()), seqLen, p.evalBatch(), data.tokenBytes(), progress);
  }

  /**
   * Writes the JSON report to {@code key}, records it (made from {@code inputs}) and the
   * {@code evaluations} row of (run, label); both replace what an earlier attempt wrote.
   *
   * @param modelUri the evaluated model, null for the untrained one
   * @param extra    more report fields (size ratio, loss delta, ...)
   */
  public static EvaluateResult publish(PipelineServices services, String runId, String bucket, String step,
      String label, String key, String modelUri, List<String> inputs, Data data, TrainParams p, Evaluator.Result r,
      Map<String, Object> extra, Path scratch) throws IOException {
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("runId", runId);
    report.put("label", label);
    report.put("model", modelUri);
    if (modelUri == null) {
      report.put("modelNote", "untrained: the initialisation training starts from (seed " + p.seed() + ")");
    }
    report.put("loss", r.loss());
    report.put("perplexity", r.perplexity());
    report.put("bitsPerByte", r.bitsPerByte());
    report.put("tokens", r.tokens());
    report.put("bytes", r.bytes());
    report.put("windows", r.windows());
    report.put("seqLen", p.seqLen());
    report.put("evalMaxTokens", p.evalMaxTokens());
    report.put("valShards", data.shards().stream().map(ArtifactRef::uri).toList());
    report.putAll(extra);
    Files.createDirectories(scratch);
    Path file = scratch.resolve(label + "-report.json");
    JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), report);
    ObjectStore.Stored s = services.store().putFile(bucket, key, file, "application/json");
    new ArtifactRepository(services.database().jdbc()).record(new ArtifactRepository.Artifact(s.uri(), s.sha256(),
        s.sizeBytes(), REPORT_KIND, runId, step, services.store().endpoint(), services.store().region(),
        Instant.now()), inputs);
    new EvaluationRepository(services.database().jdbc()).replace(new EvaluationRepository.Evaluation(runId, label,
        modelUri, r.loss(), r.perplexity(), r.bitsPerByte(), r.tokens(), r.bytes(), s.uri(), Instant.now()));
    return new EvaluateResult(label, modelUri, new ArtifactRef(s.uri(), s.sha256(), s.sizeBytes()), r.loss(),
        r.perplexity(), r.bitsPerByte(), r.tokens(), r.bytes());
  }
}
