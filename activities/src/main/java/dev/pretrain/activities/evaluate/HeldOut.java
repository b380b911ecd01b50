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
import dev.pretrain.db.documents.DocumentRepository;
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
import java.util.TreeMap;
import java.util.function.LongConsumer;

/**
 * Evaluation on the held-out split, shared by the evaluate, quantize and export steps so that every
 * model of a run is measured on exactly the same tokens, read in windows of {@code seqLen} with
 * {@code evalBatch} windows per pass:
 *
 * <ul>
 *   <li>by source ({@code evalSourceTokens > 0}): the validation documents of each source (the
 *       documents table says which) in shard order, at most {@code evalSourceTokens} tokens of each,
 *       one token file per source; figures per source and over all of them. A source held out whole,
 *       a drift source and a source's share of the random split each get their own figures.
 *   <li>otherwise (runs recorded before): the val shards in order, cut at {@code evalMaxTokens}.
 * </ul>
 */
public final class HeldOut {

  public static final String REPORT_KIND = "eval-report";
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The tokens an evaluation reads.
   *
   * @param shards     the val shards read from
   * @param files      the token files evaluated: one per source, or the val shards (the last one possibly cut short)
   * @param tokenBytes UTF-8 bytes of each token id of the vocabulary the shards were written with
   * @param sources    the source of each file, by source; empty when not evaluated by source
   * @param documents  documents read of each source (the last one possibly cut short)
   */
  public record Data(List<ArtifactRef> shards, List<Path> files, long tokens, int[] tokenBytes, List<String> sources,
      List<Long> documents) {

    public boolean bySource() {
      return !sources.isEmpty();
    }
  }

  private HeldOut() {}

  /**
   * Downloads the val shards (verified) and picks the tokens to evaluate: by source when
   * {@code p.evalSourceTokens() > 0}, else a prefix of {@code p.evalMaxTokens()}; files made here go to
   * {@code scratch}.
   *
   * @param tokenizer the run's own tokenizer.json the shards were written with; null: r50k (GPT-2)
   */
  public static Data prepare(PipelineServices services, ArtifactCache cache, List<ArtifactRef> val, TrainParams p,
      Path scratch, Runnable each, ArtifactRef tokenizer) throws IOException {
    if (p.evalSourceTokens() > 0) {
      return bySource(services, cache, val, p.evalSourceTokens(), scratch, each, tokenizer);
    }
    return prefix(cache, val, p.evalMaxTokens(), scratch, each, tokenizer);
  }

  /** A prefix of at most {@code maxTokens} tokens (0 = all) of the val shards in order. */
  static Data prefix(ArtifactCache cache, List<ArtifactRef> val, long maxTokens, Path scratch, Runnable each,
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
    return new Data(List.copyOf(shards), List.copyOf(files), used, tokenBytes, List.of(), List.of());
  }

  /**
   * Each source's validation documents in shard order, cut at {@code perSource} tokens, written to one
   * llm.c token file per source (sources in name order). A document's range starts with its end-of-text
   * separator, so the file reads as the val shard does.
   */
  static Data bySource(PipelineServices services, ArtifactCache cache, List<ArtifactRef> val, long perSource,
      Path scratch, Runnable each, ArtifactRef tokenizer) throws IOException {
    int[] tokenBytes = tokenizer == null ? Evaluator.r50kTokenBytes() : Evaluator.tokenBytes(readTokenizer(cache, tokenizer));
    if (val == null || val.isEmpty()) {
      throw new IllegalArgumentException("no held-out token shards to evaluate on");
    }
    DocumentRepository documents = new DocumentRepository(services.database().jdbc());
    Map<String, IntList> tokens = new TreeMap<>();
    Map<String, Long> docs = new TreeMap<>();
    List<ArtifactRef> read = new ArrayList<>();
    for (ArtifactRef ref : val) {
      List<DocumentRepository.SourcedRange> ranges = documents.sourcedRanges(ref.uri());
      if (ranges.isEmpty()) {
        throw new IllegalStateException("val shard " + ref.uri() + " has no documents with token ranges in the "
            + "documents table: cannot evaluate it by source");
      }
      boolean used = false;
      TokenShards shard = null;
      for (DocumentRepository.SourcedRange r : ranges) {
        IntList list = tokens.computeIfAbsent(r.source(), k -> new IntList());
        long room = perSource - list.size;
        if (room <= 0) {
          continue;
        }
        if (shard == null) {
          shard = TokenShards.open(List.of(cache.fetch(ref)));
          each.run();
        }
        long end = Math.min(r.tokenEnd(), r.tokenStart() + room);
        if (r.tokenStart() < 0 || end > shard.tokens(0)) {
          throw new IllegalStateException("val shard " + ref.uri() + ": document " + r.docId() + " has token range ["
              + r.tokenStart() + ", " + r.tokenEnd() + ") outside the shard's " + shard.tokens(0) + " tokens");
        }
        for (long i = r.tokenStart(); i < end; i++) {
          list.add(shard.token(0, i));
        }
        docs.merge(r.source(), 1L, Long::sum);
        used = true;
      }
      if (used) {
        read.add(ref);
      }
    }
    Files.createDirectories(scratch);
    List<String> sources = new ArrayList<>();
    List<Long> counts = new ArrayList<>();
    List<Path> files = new ArrayList<>();
    long total = 0;
    for (Map.Entry<String, IntList> e : tokens.entrySet()) {
      if (e.getValue().size < 2) {
        continue; // nothing to predict
      }
      Path f = scratch.resolve("source-" + files.size() + ".bin");
      LlmcTokenShard.write(f, java.util.Arrays.copyOf(e.getValue().values, e.getValue().size));
      sources.add(e.getKey());
      counts.add(docs.get(e.getKey()));
      files.add(f);
      total += e.getValue().size;
    }
    if (files.isEmpty()) {
      throw new IllegalArgumentException("the held-out documents hold no token to predict");
    }
    return new Data(List.copyOf(read), List.copyOf(files), total, tokenBytes, List.copyOf(sources),
        List.copyOf(counts));
  }

  private static final class IntList {
    int[] values = new int[1024];
    int size;

    void add(int v) {
      if (size == values.length) {
        values = java.util.Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }
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

  /** The figures of each source of a by-source evaluation (empty otherwise), in {@code data}'s order. */
  public static List<EvaluationRepository.SourceEvaluation> bySource(Data data, Evaluator.Result r) {
    List<EvaluationRepository.SourceEvaluation> out = new ArrayList<>();
    for (int i = 0; i < data.sources().size(); i++) {
      Evaluator.Result part = r.perShard().get(i);
      out.add(new EvaluationRepository.SourceEvaluation(data.sources().get(i), data.documents().get(i), part.loss(),
          part.perplexity(), part.bitsPerByte(), part.tokens(), part.bytes()));
    }
    return out;
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
    List<EvaluationRepository.SourceEvaluation> bySource = bySource(data, r);
    if (data.bySource()) {
      report.put("evalSourceTokens", p.evalSourceTokens());
      report.put("bySource", bySource);
    }
    report.putAll(extra);
    Files.createDirectories(scratch);
    Path file = scratch.resolve(label + "-report.json");
    JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), report);
    ObjectStore.Stored s = services.store().putFile(bucket, key, file, "application/json");
    new ArtifactRepository(services.database().jdbc()).record(new ArtifactRepository.Artifact(s.uri(), s.sha256(),
        s.sizeBytes(), REPORT_KIND, runId, step, services.store().endpoint(), services.store().region(),
        Instant.now()), inputs);
    EvaluationRepository evaluations = new EvaluationRepository(services.database().jdbc());
    evaluations.replace(new EvaluationRepository.Evaluation(runId, label,
        modelUri, r.loss(), r.perplexity(), r.bitsPerByte(), r.tokens(), r.bytes(), s.uri(), Instant.now()));
    evaluations.replaceSources(runId, label, bySource);
    return new EvaluateResult(label, modelUri, new ArtifactRef(s.uri(), s.sha256(), s.sizeBytes()), r.loss(),
        r.perplexity(), r.bitsPerByte(), r.tokens(), r.bytes());
  }
}
