package dev.pretrain.activities.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pretrain.activities.PipelineServices;
import dev.pretrain.activities.evaluate.Generation;
import dev.pretrain.activities.train.LlamaModel;
import dev.pretrain.activities.train.LossCurve;
import dev.pretrain.activities.train.ModelConfig;
import dev.pretrain.batch.tokenize.bpe.BpeTokenizer;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.evaluations.EvaluationRepository;
import dev.pretrain.db.evaluations.EvaluationRepository.Evaluation;
import dev.pretrain.db.evaluations.EvaluationRepository.SourceEvaluation;
import dev.pretrain.db.lineage.AuditQueries;
import dev.pretrain.db.runs.RunRepository;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.db.storage.RunObjectKeys;
import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.StepNames;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The run's evaluation report and model card, written by the export step once every model of the run
 * has been evaluated: {@code runs/<id>/report/evaluation.json} and {@code evaluation.html} (loss curve,
 * every evaluation overall and per held-out source, deltas of each stored type to fp32, sample
 * continuations), {@code model-card.json} and {@code model-card.md} (architecture, tokenizer, training,
 * the data behind the model from lineage, evaluation, quantization, SHA-256 of every exported file).
 * Each is recorded as an artifact made from what it reports on, so {@code audit} reaches it.
 */
public final class RunReport {

  public static final String REPORT_KIND = "evaluation-report";
  public static final String CARD_KIND = "model-card";
  /** Prompts every report continues: one per kind of text in the demo corpus. */
  public static final List<String> PROMPTS = List.of("The Linux kernel", "In the beginning God created",
      "Everyone has the right to", "The Python interpreter");
  static final int SAMPLE_TOKENS = 48;
  static final Generation.Sampling SAMPLED = new Generation.Sampling(40, 0.8, 7);

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** An exported file of the run: {@code format} gguf, {@code type} f16 / q8_0 / q4_0. */
  public record Exported(String format, String type, ObjectStore.Stored stored) {}

  /** The stored report and card. */
  public record Published(ArtifactRef evaluationJson, ArtifactRef evaluationHtml, ArtifactRef cardJson,
      ArtifactRef cardMarkdown) {}

  private final PipelineServices services;

  public RunReport(PipelineServices services) {
    this.services = services;
  }

  /**
   * @param model     the trained fp32 model (continues the prompts)
   * @param tokenizer the run's tokenizer
   * @param steps     the run's optimizer steps; {@code tokensSeen} the training tokens read
   */
  public Published publish(String runId, String bucket, ArtifactRef modelRef, LlamaModel model, ArtifactRef tokenizerRef,
      BpeTokenizer tokenizer, int steps, long tokensSeen, int batch, int seqLen, double lr, long seed,
      List<Exported> exported, Path scratch) throws IOException {
    var jdbc = services.database().jdbc();
    ArtifactRepository artifacts = new ArtifactRepository(jdbc);
    Optional<RunRepository.Run> run = new RunRepository(jdbc).find(runId);
    Roles roles = Roles.of(run.map(RunRepository.Run::requestJson).orElse(null));
    Instant now = Instant.now();

    ModelConfig mc = model.config();
    ObjectNode shape = JSON.createObjectNode();
    shape.put("uri", modelRef.uri());
    shape.put("parameters", model.actualParameterCount());
    shape.put("vocabSize", mc.vocabSize());
    shape.put("dModel", mc.dModel());
    shape.put("layers", mc.layers());
    shape.put("heads", mc.heads());
    shape.put("ffnHidden", mc.ffnHidden());
    shape.put("contextLength", mc.contextLength());

    // the loss curve lives with the model's run (a cached train step's model was trained by an earlier run)
    String modelRun = artifacts.find(modelRef.uri()).map(ArtifactRepository.Artifact::runId).orElse(runId);
    String curveKey = RunObjectKeys.trainLossCurve(modelRun);
    ArrayNode curve = JSON.createArrayNode();
    services.store().readBytes(bucket, curveKey).ifPresent(bytes -> {
      for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
        if (!line.isBlank()) {
          try {
            curve.add(JSON.readTree(line));
          } catch (IOException e) {
            throw new IllegalStateException("loss curve s3://" + bucket + "/" + curveKey + ": unreadable line", e);
          }
        }
      }
    });
    ObjectNode training = JSON.createObjectNode();
    training.put("steps", steps);
    training.put("tokensSeen", tokensSeen);
    training.put("batch", batch);
    training.put("seqLen", seqLen);
    training.put("lr", lr);
    training.put("seed", seed);
    if (!curve.isEmpty()) {
      training.set("finalTrainLoss", curve.get(curve.size() - 1).get("loss"));
    }

    ArrayNode evaluations = evaluations(runId, roles, artifacts, mc, model.actualParameterCount());
    ArrayNode sets = sets(runId, roles);
    ArrayNode samples = samples(model, tokenizer);

    ObjectNode report = JSON.createObjectNode();
    report.put("runId", runId);
    report.put("recipe", run.map(RunRepository.Run::recipe).orElse(null));
    report.put("createdAt", now.toString());
    report.set("model", shape);
    ObjectNode tok = report.putObject("tokenizer");
    tok.put("uri", tokenizerRef.uri());
    tok.put("vocabSize", tokenizer.vocabulary().size());
    ObjectNode trainingWithCurve = training.deepCopy();
    trainingWithCurve.put("lossCurveUri", curve.isEmpty() ? null : "s3://" + bucket + "/" + curveKey);
    trainingWithCurve.set("lossCurve", curve);
    report.set("training", trainingWithCurve);
    report.set("sets", sets);
    report.set("evaluations", evaluations);
    report.set("samples", samples);

    List<String> reportInputs = new ArrayList<>(List.of(modelRef.uri(), tokenizerRef.uri()));
    for (Evaluation e : new EvaluationRepository(jdbc).byRun(runId)) {
      if (e.reportUri() != null) {
        reportInputs.add(e.reportUri());
      }
    }
    if (!curve.isEmpty()) {
      reportInputs.add("s3://" + bucket + "/" + curveKey);
    }
    Files.createDirectories(scratch);
    ObjectStore.Stored reportJson = put(runId, bucket, "evaluation.json", JSON.writeValueAsBytes(report),
        "application/json", REPORT_KIND, reportInputs, scratch);
    ObjectStore.Stored reportHtml = put(runId, bucket, "evaluation.html",
        EvaluationReportHtml.render(report).getBytes(StandardCharsets.UTF_8), "text/html; charset=utf-8", REPORT_KIND,
        List.of(reportJson.uri()), scratch);

    ObjectNode card = JSON.createObjectNode();
    card.put("name", run.map(RunRepository.Run::recipe).orElse(runId));
    card.put("runId", runId);
    card.put("createdAt", now.toString());
    ObjectNode arch = card.putObject("architecture");
    arch.put("family", "llama");
    arch.put("parameters", model.actualParameterCount());
    arch.put("vocabSize", mc.vocabSize());
    arch.put("dModel", mc.dModel());
    arch.put("layers", mc.layers());
    arch.put("heads", mc.heads());
    arch.put("ffnHidden", mc.ffnHidden());
    arch.put("contextLength", mc.contextLength());
    arch.put("ropeTheta", mc.ropeTheta());
    arch.put("tiedEmbedding", true);
    ObjectNode cardTok = card.putObject("tokenizer");
    cardTok.put("kind", "byte-level BPE");
    cardTok.put("vocabSize", tokenizer.vocabulary().size());
    cardTok.put("preTokenizer", "GPT-4's cl100k split (llama.cpp: tokenizer.ggml.pre = llama-bpe)");
    cardTok.put("uri", tokenizerRef.uri());
    cardTok.put("sha256", tokenizerRef.sha256());
    card.set("training", training);
    card.set("data", data(modelRef.uri()));
    ObjectNode evaluation = card.putObject("evaluation");
    evaluation.set("sets", sets);
    evaluation.set("evaluations", evaluations);
    ArrayNode files = card.putArray("files");
    ObjectNode checkpoint = files.addObject();
    checkpoint.put("uri", modelRef.uri());
    checkpoint.put("format", "checkpoint");
    checkpoint.put("type", "f32");
    checkpoint.put("bytes", modelRef.sizeBytes());
    checkpoint.put("sha256", modelRef.sha256());
    ObjectNode tokFile = files.addObject();
    tokFile.put("uri", tokenizerRef.uri());
    tokFile.put("format", "tokenizer.json");
    tokFile.put("bytes", tokenizerRef.sizeBytes());
    tokFile.put("sha256", tokenizerRef.sha256());
    List<String> cardInputs = new ArrayList<>(List.of(modelRef.uri(), tokenizerRef.uri(), reportJson.uri()));
    for (Exported x : exported) {
      ObjectNode f = files.addObject();
      f.put("uri", x.stored().uri());
      f.put("format", x.format());
      f.put("type", x.type());
      f.put("bytes", x.stored().sizeBytes());
      f.put("sha256", x.stored().sha256());
      cardInputs.add(x.stored().uri());
    }
    ObjectNode reports = card.putObject("reports");
    reports.put("evaluationJson", reportJson.uri());
    reports.put("evaluationHtml", reportHtml.uri());
    card.put("limitations", String.format(java.util.Locale.ROOT,
        "A small model (%,d parameters) trained for %d steps (%,d tokens) on the run's corpus: a demonstration of the"
            + " pipeline, not a model to deploy. Figures are measured on the held-out documents named under"
            + " evaluation (at most the tokens listed per source); a source held out whole was never trained on, a"
            + " drift source is a newer version of text that was.", model.actualParameterCount(), steps, tokensSeen));
    ObjectStore.Stored cardJson = put(runId, bucket, "model-card.json", JSON.writeValueAsBytes(card),
        "application/json", CARD_KIND, cardInputs, scratch);
    ObjectStore.Stored cardMd = put(runId, bucket, "model-card.md",
        ModelCardMarkdown.render(card).getBytes(StandardCharsets.UTF_8), "text/markdown; charset=utf-8", CARD_KIND,
        List.of(cardJson.uri()), scratch);
    return new Published(ref(reportJson), ref(reportHtml), ref(cardJson), ref(cardMd));
  }

  private ObjectStore.Stored put(String runId, String bucket, String name, byte[] bytes, String contentType,
      String kind, List<String> inputs, Path scratch) throws IOException {
    Path file = scratch.resolve(name);
    Files.write(file, bytes);
    ObjectStore.Stored s = services.store().putFile(bucket, RunObjectKeys.report(runId, name), file, contentType);
    new ArtifactRepository(services.database().jdbc()).record(new ArtifactRepository.Artifact(s.uri(), s.sha256(),
        s.sizeBytes(), kind, runId, StepNames.EXPORT, services.store().endpoint(), services.store().region(),
        Instant.now()), inputs);
    return s;
  }

  private static ArtifactRef ref(ObjectStore.Stored s) {
    return new ArtifactRef(s.uri(), s.sha256(), s.sizeBytes());
  }

  /** Every evaluation of the run, with its stored form and its deltas to the fp32 model ("final"). */
  private ArrayNode evaluations(String runId, Roles roles, ArtifactRepository artifacts, ModelConfig mc, long params) {
    EvaluationRepository repo = new EvaluationRepository(services.database().jdbc());
    List<Evaluation> all = repo.byRun(runId);
    Evaluation reference = all.stream().filter(e -> e.label().equals("final")).findFirst().orElse(null);
    Map<String, SourceEvaluation> referenceBySource = new HashMap<>();
    if (reference != null) {
      repo.sources(runId, "final").forEach(s -> referenceBySource.put(s.source(), s));
    }
    ArrayNode out = JSON.createArrayNode();
    for (Evaluation e : all) {
      ObjectNode n = out.addObject();
      n.put("label", e.label());
      String[] form = form(e.label());
      n.put("format", form[0]);
      n.put("type", form[1]);
      if (e.label().equals("final")) {
        n.put("fileBytes", 4L * params); // fp32 parameters
      } else if (e.modelUri() != null && !e.label().equals("initial")) {
        artifacts.find(e.modelUri()).ifPresentOrElse(a -> n.put("fileBytes", a.sizeBytes()), () -> n.putNull("fileBytes"));
      } else {
        n.putNull("fileBytes");
      }
      n.put("model", e.modelUri());
      n.put("loss", e.loss());
      n.put("perplexity", e.perplexity());
      n.put("bitsPerByte", e.bitsPerByte());
      n.put("tokens", e.tokens());
      n.put("bytes", e.bytes());
      boolean comparable = reference != null && !e.label().equals("initial") && reference.tokens() == e.tokens();
      putDelta(n, "deltaLoss", comparable, e.loss() - (reference == null ? 0 : reference.loss()));
      putDelta(n, "deltaBitsPerByte", comparable, e.bitsPerByte() - (reference == null ? 0 : reference.bitsPerByte()));
      n.put("report", e.reportUri());
      ArrayNode bySource = n.putArray("bySource");
      for (SourceEvaluation s : repo.sources(runId, e.label())) {
        ObjectNode r = bySource.addObject();
        r.put("source", s.source());
        r.put("role", roles.roleOf(s.source()));
        r.put("documents", s.documents());
        r.put("loss", s.loss());
        r.put("perplexity", s.perplexity());
        r.put("bitsPerByte", s.bitsPerByte());
        r.put("tokens", s.tokens());
        r.put("bytes", s.bytes());
        SourceEvaluation ref = referenceBySource.get(s.source());
        putDelta(r, "deltaBitsPerByte", comparable && ref != null && ref.tokens() == s.tokens(),
            s.bitsPerByte() - (ref == null ? 0 : ref.bitsPerByte()));
      }
    }
    return out;
  }

  private static void putDelta(ObjectNode n, String field, boolean known, double value) {
    if (known) {
      n.put(field, value);
    } else {
      n.putNull(field);
    }
  }

  /** (format, type) of an evaluation label. */
  static String[] form(String label) {
    if (label.equals("initial")) {
      return new String[] {"untrained", "f32"};
    }
    if (label.equals("final")) {
      return new String[] {"checkpoint", "f32"};
    }
    if (label.startsWith("gguf-")) {
      return new String[] {"gguf", label.substring("gguf-".length())};
    }
    if (label.equals("q8_0")) {
      return new String[] {"q8_0 container", "q8_0"};
    }
    return new String[] {"other", label};
  }

  /** The held-out sets of the fp32 model's evaluation: each source with its role and size. */
  private ArrayNode sets(String runId, Roles roles) {
    ArrayNode out = JSON.createArrayNode();
    for (SourceEvaluation s : new EvaluationRepository(services.database().jdbc()).sources(runId, "final")) {
      ObjectNode n = out.addObject();
      n.put("source", s.source());
      n.put("role", roles.roleOf(s.source()));
      n.put("documents", s.documents());
      n.put("tokens", s.tokens());
      n.put("bytes", s.bytes());
    }
    return out;
  }

  /** Each prompt continued greedily and with seeded top-k sampling. */
  private static ArrayNode samples(LlamaModel model, BpeTokenizer tokenizer) {
    ArrayNode out = JSON.createArrayNode();
    int eot = tokenizer.vocabulary().specialTokenId("<|endoftext|>");
    for (String prompt : PROMPTS) {
      for (Generation.Sampling s : List.of(Generation.Sampling.greedy(), SAMPLED)) {
        int[] ids = Generation.generate(model, tokenizer.encodeOrdinary(prompt), SAMPLE_TOKENS, s, eot);
        ObjectNode n = out.addObject();
        n.put("prompt", prompt);
        n.put("mode", s.isGreedy() ? "greedy" : "sample");
        if (!s.isGreedy()) {
          n.put("topK", s.topK());
          n.put("temperature", s.temperature());
          n.put("seed", s.seed());
        }
        n.put("maxTokens", SAMPLE_TOKENS);
        n.put("continuation", tokenizer.decode(ids));
        ArrayNode tokenIds = n.putArray("tokens");
        for (int id : ids) {
          tokenIds.add(id);
        }
      }
    }
    return out;
  }

  /** What the model is made of, from lineage: documents by source with license and jurisdiction. */
  private ObjectNode data(String modelUri) {
    AuditQueries audit = new AuditQueries(services.database().jdbc());
    ObjectNode data = JSON.createObjectNode();
    Optional<AuditQueries.Scope> scope = audit.scope(modelUri);
    if (scope.isEmpty()) {
      return data;
    }
    Map<String, long[]> bySource = new TreeMap<>();
    Map<String, java.util.Set<String>> licenses = new TreeMap<>();
    Map<String, java.util.Set<String>> jurisdictions = new TreeMap<>();
    Map<String, Long> licenseDocs = new TreeMap<>();
    Map<String, Long> jurisdictionDocs = new TreeMap<>();
    long documents = 0;
    long tokens = 0;
    for (AuditQueries.DocGroup g : audit.documentsBehind(scope.get())) {
      long[] v = bySource.computeIfAbsent(g.source(), k -> new long[3]);
      v[0] += g.documents();
      v[1] += g.chars();
      v[2] += g.tokens();
      String license = g.license() == null ? "unknown" : g.license();
      String jurisdiction = g.jurisdiction() == null ? "unknown" : g.jurisdiction();
      licenses.computeIfAbsent(g.source(), k -> new java.util.TreeSet<>()).add(license);
      jurisdictions.computeIfAbsent(g.source(), k -> new java.util.TreeSet<>()).add(jurisdiction);
      licenseDocs.merge(license, g.documents(), Long::sum);
      jurisdictionDocs.merge(jurisdiction, g.documents(), Long::sum);
      documents += g.documents();
      tokens += g.tokens();
    }
    data.put("documents", documents);
    data.put("tokens", tokens);
    ArrayNode sources = data.putArray("sources");
    bySource.forEach((source, v) -> {
      ObjectNode n = sources.addObject();
      n.put("source", source);
      n.put("license", String.join(", ", licenses.get(source)));
      n.put("jurisdiction", String.join(", ", jurisdictions.get(source)));
      n.put("documents", v[0]);
      n.put("chars", v[1]);
      n.put("tokens", v[2]);
    });
    ObjectNode l = data.putObject("licenses");
    licenseDocs.forEach(l::put);
    ObjectNode j = data.putObject("jurisdictions");
    jurisdictionDocs.forEach(j::put);
    return data;
  }

  /** A source's role in the run's split: held out whole, drift, or its share of the random split. */
  record Roles(List<String> heldOut, List<String> drift) {

    static Roles of(String requestJson) {
      if (requestJson == null) {
        return new Roles(List.of(), List.of());
      }
      try {
        JsonNode tk = JSON.readTree(requestJson).path("tokenize");
        return new Roles(strings(tk.path("heldOutSources")), strings(tk.path("driftSources")));
      } catch (IOException e) {
        return new Roles(List.of(), List.of());
      }
    }

    private static List<String> strings(JsonNode array) {
      List<String> out = new ArrayList<>();
      array.forEach(n -> out.add(n.asText()));
      return out;
    }

    String roleOf(String source) {
      if (drift.contains(source)) {
        return "drift";
      }
      return heldOut.contains(source) ? "held-out source" : "random split";
    }
  }
}
