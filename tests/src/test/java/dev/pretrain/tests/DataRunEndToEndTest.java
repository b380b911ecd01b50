package dev.pretrain.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.pretrain.batch.tokenize.LlmcTokenShard;
import dev.pretrain.batch.tokenize.bpe.BpeTokenizer;
import dev.pretrain.batch.tokenize.bpe.BpeVocabulary;
import dev.pretrain.batch.tokenizer.StoredTokenizer;
import dev.pretrain.batch.tokenizer.TokenizerJob;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.curation.CurationRepository;
import dev.pretrain.db.documents.DocumentRepository;
import dev.pretrain.db.lineage.LineageQueries;
import dev.pretrain.db.runs.RunRepository;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.ops.client.RunClient;
import dev.pretrain.ops.corpus.CorpusFetcher;
import dev.pretrain.ops.corpus.CorpusSpec;
import dev.pretrain.ops.corpus.FetchResult;
import dev.pretrain.ops.config.PretrainConfig;
import dev.pretrain.ops.recipe.Recipe;
import dev.pretrain.ops.report.CurationReport;
import dev.pretrain.ops.worker.PipelineWorker;
import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.run.PretrainingRunWorkflow;
import dev.pretrain.workflows.run.RunRequest;
import dev.pretrain.workflows.run.RunSummary;
import dev.pretrain.workflows.run.StepSummary;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A small real data run on the real local stack: real Debian/npm text fetched through the package
 * clients, plus a folder of broken files, through ingest -> dedup -> tokenizer (the run's own
 * vocabulary) -> tokenize -> train -> evaluate -> quantize on the Temporal CLI dev server, S3Proxy and
 * the H2 server. Checks what a user and an
 * auditor rely on: every document accounted for, every artifact in S3 as recorded, lineage from a
 * token shard back to source documents, and bad records named by file, line and reason.
 */
class DataRunEndToEndTest {

  static final int VOCAB = 2048;
  static RealStack stack;
  static PipelineWorker worker;
  static RunSummary summary;
  static String runId;
  static final String HELD_OUT = "kjv";
  static final String DRIFT = "linux-doc-6.12";
  static Path badDir;
  static FetchResult corpus;

  @BeforeAll
  static void runOnce() throws Exception {
    Path dataDir = Path.of("target", "e2e").toAbsolutePath();
    stack = RealStack.start(dataDir);
    PretrainConfig cfg = stack.config;
    worker = PipelineWorker.start(cfg, stack.temporal, 2);

    corpus = new CorpusFetcher(cfg.dataDir(), cfg.objectStore(), stack.database, System.err::println)
        .fetch(CorpusSpec.named("quick"), PretrainConfig.CORPUS_BUCKET, "e2e-quick");
    badDir = writeBadInputs(dataDir.resolve("bad-input"));

    RunRequest request = new Recipe("e2e", List.of(corpus.inputUri(), badDir.toUri().toString()), cfg.bucket(),
        RunRequest.IngestParams.defaults(), RunRequest.TokenizeParams.defaults())
        .toRequest(Recipe.newRunId("e2e", Instant.now()));
    request = E2eParams.fastOwnVocabulary(request, VOCAB);
    // evaluated by source: the KJV held out whole; the kernel's process docs of 6.12, where they differ
    // from 6.1's (which dedup keeps), as a drift set
    request = request.withTokenize(new RunRequest.TokenizeParams(RunRequest.TokenizeParams.BPE, 0.2,
        List.of(HELD_OUT, DRIFT), VOCAB, 0, 0, 0, List.of(DRIFT)))
        .withDedup(dev.pretrain.workflows.dedup.DedupParams.defaults().withKeep(List.of("linux-doc-6.1")));
    runId = request.runId();
    cfg.objectStore().ensureBucket(request.bucket()); // as `./pretrain run` does
    RunClient runs = new RunClient(stack.temporal.client("e2e-test"));
    String workflowId = runs.start(request);
    summary = runs.follow(workflowId, System.err, Duration.ofSeconds(1));
  }

  @AfterAll
  static void stop() {
    if (worker != null) {
      worker.close();
    }
    if (stack != null) {
      stack.close();
    }
  }

  /** A JSONL file with an invalid UTF-8 line and a line without text between good lines; a cut gzip. */
  static Path writeBadInputs(Path dir) throws IOException {
    Files.createDirectories(dir);
    ByteArrayOutputStream jsonl = new ByteArrayOutputStream();
    jsonl.writeBytes("{\"id\":\"bad-1\",\"text\":\"A good record before the bad ones.\",\"source\":\"e2e-bad\"}\n"
        .getBytes(StandardCharsets.UTF_8));
    jsonl.writeBytes("{\"id\":\"bad-2\",\"text\":\"broken ".getBytes(StandardCharsets.UTF_8));
    jsonl.writeBytes(new byte[] {(byte) 0xC3, (byte) 0x28});
    jsonl.writeBytes(" bytes\",\"source\":\"e2e-bad\"}\n".getBytes(StandardCharsets.UTF_8));
    jsonl.writeBytes("{\"id\":\"bad-3\",\"body\":\"no text field\",\"source\":\"e2e-bad\"}\n"
        .getBytes(StandardCharsets.UTF_8));
    jsonl.writeBytes("{\"id\":\"bad-4\",\"text\":\"A good record after the bad ones.\",\"source\":\"e2e-bad\"}\n"
        .getBytes(StandardCharsets.UTF_8));
    Files.write(dir.resolve("mixed.jsonl"), jsonl.toByteArray());

    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      for (int i = 0; i < 200; i++) {
        out.write(("{\"id\":\"gz-" + i + "\",\"text\":\"Line " + i + " of a gzip file that will be cut short, with"
            + " some text so the stream is long enough: " + "abc ".repeat(i % 17) + "\",\"source\":\"e2e-bad\"}\n")
            .getBytes(StandardCharsets.UTF_8));
      }
    }
    byte[] whole = gz.toByteArray();
    Files.write(dir.resolve("truncated.jsonl.gz"), Arrays.copyOf(whole, whole.length * 2 / 3));
    return dir;
  }

  private static StepSummary step(String name) {
    return summary.steps().stream().filter(s -> s.step().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no step " + name + " in " + summary));
  }

  @Test
  void everyDocumentIsAccountedFor() {
    assertEquals("completed", summary.status());
    Map<String, Long> ingest = step("ingest").counts();
    Map<String, Long> dedup = step("dedup").counts();
    Map<String, Long> tokenize = step("tokenize").counts();

    assertEquals(ingest.get("records_in"),
        ingest.get("kept") + ingest.get("rejected") + ingest.get("quarantined") + ingest.get("filtered"));
    assertEquals(ingest.get("kept"), dedup.get("documents_in"));
    assertEquals(dedup.get("documents_in"), dedup.get("kept") + dedup.get("duplicates"));
    assertEquals(dedup.get("kept"), tokenize.get("documents"));
    assertEquals(tokenize.get("documents"), tokenize.get("train_documents") + tokenize.get("val_documents"));
    assertTrue(dedup.get("duplicates") > 0, "the two linux-doc versions share identical files: " + dedup);

    // the database agrees with the workflow's counts
    DocumentRepository docs = new DocumentRepository(stack.database.jdbc());
    long quarantineRows = docs.quarantine(runId).size();
    assertEquals(ingest.get("rejected") + ingest.get("quarantined"), quarantineRows);
    assertEquals(dedup.get("duplicates"), docs.decisions(runId, "dedup").stream()
        .filter(d -> d.decision().equals("duplicate") && d.relatedDocId() != null).count());
    assertEquals("completed", new RunRepository(stack.database.jdbc()).find(runId).orElseThrow().status());
  }

  @Test
  void curationCountsAreConservedPerSourceAndReasonAndEveryRemovalSaysWhy() {
    Map<String, Long> ingest = step("ingest").counts();
    Map<String, Long> dedup = step("dedup").counts();
    CurationRepository curation = new CurationRepository(stack.database.jdbc());
    CurationReport report = new CurationReport(runId, curation.tally(runId));
    System.err.println(report.text());
    assertTrue(report.conserved(), report.text());
    List<CurationReport.SourceLine> lines = report.lines();
    // per source, "in" is every record the corpus fetch wrote for it
    for (FetchResult.SourceResult s : corpus.sources()) {
      CurationReport.SourceLine line = lines.stream().filter(l -> l.source().equals(s.id())).findFirst()
          .orElseThrow(() -> new AssertionError("no curation line for source " + s.id() + ": " + report.text()));
      assertEquals(s.docs(), line.in(), s.id());
    }
    // the per-source lines add up to the workflow's totals
    assertEquals(ingest.get("records_in"), lines.stream().mapToLong(CurationReport.SourceLine::in).sum());
    assertEquals(dedup.get("kept"), lines.stream().mapToLong(CurationReport.SourceLine::kept).sum());
    assertEquals(ingest.get("filtered"), removed(lines, "filtered"));
    assertEquals(dedup.get("duplicates"), removed(lines, "deduplicated"));
    assertEquals(ingest.get("quarantined"), removed(lines, "quarantined"));
    assertTrue(ingest.get("filtered") > 0, "the quality rules removed documents: " + report.text());

    // every filtered document says which rule removed it, what was measured and the threshold
    DocumentRepository docs = new DocumentRepository(stack.database.jdbc());
    List<DocumentRepository.Decision> filtered = docs.decisions(runId, "curate").stream()
        .filter(d -> d.decision().equals("filtered")).toList();
    assertEquals(ingest.get("filtered"), filtered.size());
    for (DocumentRepository.Decision d : filtered.subList(0, Math.min(20, filtered.size()))) {
      CurationRepository.RuleDecision rule = curation.decisionsOn(runId, d.docId()).stream()
          .filter(r -> r.action().equals("rejected")).findFirst()
          .orElseThrow(() -> new AssertionError("no rejecting rule recorded for " + d.docId()));
      assertTrue(rule.threshold() != null && d.reason().contains(rule.rule()), d + " / " + rule);
    }
    // ... and is in the run's rejects shard
    assertTrue(new ArtifactRepository(stack.database.jdbc()).byRun(runId).stream()
        .anyMatch(a -> a.kind().equals("rejects")), "rejects shard recorded");
  }

  private static long removed(List<CurationReport.SourceLine> lines, String outcome) {
    return lines.stream().flatMap(l -> l.removed().entrySet().stream())
        .filter(e -> e.getKey().startsWith(outcome + ":")).mapToLong(Map.Entry::getValue).sum();
  }

  @Test
  void badRecordsAreNamedByFileLineAndReasonAndGoodOnesBesideThemKept() {
    DocumentRepository docs = new DocumentRepository(stack.database.jdbc());
    List<DocumentRepository.Quarantined> bad = docs.quarantine(runId);
    String mixed = badDir.resolve("mixed.jsonl").toUri().toString();
    String cut = badDir.resolve("truncated.jsonl.gz").toUri().toString();

    DocumentRepository.Quarantined utf8 = find(bad, mixed, 2);
    assertTrue(utf8.reason().toLowerCase().contains("utf-8"), utf8.reason());
    DocumentRepository.Quarantined noText = find(bad, mixed, 3);
    assertTrue(noText.reason().contains("text"), noText.reason());
    assertTrue(bad.stream().anyMatch(q -> q.inputUri().equals(cut) && q.reason().toLowerCase().contains("gzip")),
        "truncated gzip is reported: " + bad);

    LineageQueries lineage = new LineageQueries(stack.database.jdbc());
    assertTrue(lineage.document("bad-1").isPresent(), "the good line before the bad ones is kept");
    assertTrue(lineage.document("bad-4").isPresent(), "the good line after the bad ones is kept");
    assertTrue(lineage.document("gz-0").isPresent(), "lines of the gzip before the cut are kept");
  }

  private static DocumentRepository.Quarantined find(List<DocumentRepository.Quarantined> rows, String uri, long line) {
    return rows.stream().filter(q -> q.inputUri().equals(uri) && q.line() == line).findFirst()
        .orElseThrow(() -> new AssertionError("no quarantine row for " + uri + " line " + line + " in " + rows));
  }

  @Test
  void everyArtifactIsInS3WithItsRecordedSha256() {
    ObjectStore store = stack.config.objectStore();
    List<ArtifactRepository.Artifact> artifacts = new ArtifactRepository(stack.database.jdbc()).byRun(runId);
    assertFalse(artifacts.isEmpty());
    for (ArtifactRepository.Artifact a : artifacts) {
      ArtifactRef ref = new ArtifactRef(a.uri(), a.sha256(), a.sizeBytes());
      assertEquals(a.sha256(), store.sha256Of(ref.bucket(), ref.key()), a.uri());
    }
    Set<String> recorded = artifacts.stream().map(ArtifactRepository.Artifact::uri).collect(Collectors.toSet());
    for (StepSummary s : summary.steps()) {
      for (ArtifactRef out : s.outputs()) {
        assertTrue(recorded.contains(out.uri()), "step output recorded in the database: " + out.uri());
      }
    }
  }

  @Test
  void theTokenizerStepTrainsTheRunsVocabularyWhichHuggingFaceTokenizersReadsToTheSameIds() throws Exception {
    assertEquals(List.of("ingest", "dedup", "tokenizer", "tokenize", "train", "evaluate", "quantize", "export"),
        summary.steps().stream().map(StepSummary::step).toList());
    StepSummary tokenizer = step("tokenizer");
    assertEquals((long) VOCAB, tokenizer.counts().get("vocab_size"));
    assertTrue(tokenizer.counts().get("sample_documents") > 0, tokenizer.toString());
    assertEquals(step("dedup").counts().get("kept"),
        tokenizer.counts().get("candidate_documents") + tokenizer.counts().get("held_out_documents"));
    ObjectStore store = stack.config.objectStore();
    ArtifactRef json = tokenizer.outputs().get(0);
    assertTrue(json.uri().endsWith("/tokenizer/tokenizer.json"), json.uri());
    BpeVocabulary vocabulary = StoredTokenizer.read(store, new ObjectStore.Stored(json.bucket(), json.key(),
        json.sha256(), json.sizeBytes()));
    BpeTokenizer ours = new BpeTokenizer(vocabulary);
    int eot = vocabulary.specialTokenId(TokenizerJob.END_OF_TEXT);
    assertEquals(VOCAB - 1, eot);

    // every kept document: its token range decodes to its text exactly, and held-out text gets the
    // same ids from Hugging Face tokenizers (loading our tokenizer.json) as from our encoder
    Map<String, String> texts = keptTexts(store);
    Path local = Files.createTempFile("tokenizer", ".json");
    long heldOutDocs = 0, heldOutTokens = 0, roundTrips = 0;
    Files.write(local, store.readBytes(json.bucket(), json.key()).orElseThrow());
    // no truncation: DJL cuts at 512 tokens unless told otherwise
    try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.builder().optTokenizerPath(local).optTruncation(false)
        .optAddSpecialTokens(false).build()) {
      for (ArtifactRef bin : step("tokenize").outputs()) {
        if (!bin.uri().endsWith(".bin")) {
          continue;
        }
        boolean val = bin.key().contains("/tokenize/val-");
        int[] tokens = LlmcTokenShard.read(new java.io.ByteArrayInputStream(store.readBytes(bin.bucket(), bin.key())
            .orElseThrow()), bin.uri());
        String map = new String(store.readBytes(bin.bucket(), bin.key().replace(".bin", ".map.jsonl")).orElseThrow(),
            StandardCharsets.UTF_8);
        for (String line : map.split("\n")) {
          JsonNode m = new ObjectMapper().readTree(line);
          int start = m.get("start").asInt();
          int end = m.get("end").asInt();
          String text = texts.get(m.get("doc_id").asText());
          assertEquals(eot, tokens[start], "a document starts with <|endoftext|>");
          int[] ids = Arrays.copyOfRange(tokens, start + 1, end);
          assertEquals(text, ours.decode(ids), m.get("doc_id").asText());
          roundTrips++;
          if (val) {
            long[] theirs = hf.encode(text, false, false).getIds();
            assertArrayEquals(Arrays.stream(ids).asLongStream().toArray(), theirs, m.get("doc_id").asText());
            heldOutDocs++;
            heldOutTokens += ids.length;
          }
        }
      }
    } finally {
      Files.deleteIfExists(local);
    }
    assertEquals(step("dedup").counts().get("kept"), roundTrips, "every kept document round-trips");
    assertEquals(step("tokenize").counts().get("val_documents"), heldOutDocs);
    assertTrue(heldOutTokens > 10_000, "a real amount of held-out text: " + heldOutTokens);
    System.err.printf("tokenizer.json identity: %d held-out documents, %d tokens identical; %d round trips%n",
        heldOutDocs, heldOutTokens, roundTrips);
  }

  /** The kept documents' texts, from dedup's output shards. */
  private static Map<String, String> keptTexts(ObjectStore store) throws IOException {
    Map<String, String> texts = new java.util.HashMap<>();
    ObjectMapper json = new ObjectMapper();
    for (ArtifactRef shard : step("dedup").outputs()) {
      String body = new String(store.readBytes(shard.bucket(), shard.key()).orElseThrow(), StandardCharsets.UTF_8);
      for (String line : body.split("\n")) {
        if (!line.isBlank()) {
          JsonNode n = json.readTree(line);
          texts.put(n.get("id").asText(), n.get("text").asText());
        }
      }
    }
    return texts;
  }

  @Test
  void theTokenizerHasLineageToItsSampleAndEveryTokenShardToTheTokenizer() {
    ArtifactRef json = step("tokenizer").outputs().get(0);
    ArtifactRepository artifacts = new ArtifactRepository(stack.database.jdbc());
    assertEquals("tokenizer", artifacts.find(json.uri()).orElseThrow().kind());
    assertEquals(Set.copyOf(step("dedup").outputs().stream().map(ArtifactRef::uri).toList()),
        Set.copyOf(artifacts.inputsOf(json.uri())), "trained on dedup's kept shards");
    long members = new DocumentRepository(stack.database.jdbc()).countMembers(json.uri());
    assertEquals(step("tokenizer").counts().get("sample_documents"), members, "the sample's documents are its members");
    for (ArtifactRef bin : step("tokenize").outputs()) {
      if (bin.uri().endsWith(".bin")) {
        assertTrue(artifacts.inputsOf(bin.uri()).contains(json.uri()), bin.uri() + " was encoded with the tokenizer");
      }
    }
  }

  @Test
  void theExportStepWritesGgufFilesThatLlamaCppLoadsAndTokenizesAsWeDo() throws Exception {
    StepSummary export = step("export");
    assertEquals(3L, export.counts().get("files"));
    // each type evaluated through the weights as its file holds them, against the fp32 model's loss
    Map<String, Double> f = export.figures();
    System.err.println("export figures: " + f + " (fp32 bits/byte " + step("evaluate").figures().get("bits_per_byte") + ")");
    assertTrue(Math.abs(f.get("loss_delta_f16")) < 0.01, f.toString());
    assertTrue(Math.abs(f.get("loss_delta_q8_0")) < 0.05, f.toString());
    assertTrue(Math.abs(f.get("loss_delta_q4_0")) < 0.5, f.toString());
    assertTrue(f.get("bits_per_byte_q4_0") > 0 && f.get("bits_per_byte_f16") > 0, f.toString());
    ArtifactRef tokenizerJson = step("tokenizer").outputs().get(0);
    ArtifactRef model = step("train").outputs().get(0);
    ArtifactRepository artifacts = new ArtifactRepository(stack.database.jdbc());
    ObjectStore store = stack.config.objectStore();
    BpeTokenizer ours = new BpeTokenizer(StoredTokenizer.read(store, new ObjectStore.Stored(tokenizerJson.bucket(),
        tokenizerJson.key(), tokenizerJson.sha256(), tokenizerJson.sizeBytes())));
    String text = keptTexts(store).values().stream().filter(t -> t.length() > 2000).sorted().findFirst().orElseThrow();
    List<ArtifactRef> ggufs = export.outputs().stream().filter(a -> a.uri().endsWith(".gguf")).toList();
    assertEquals(3, ggufs.size(), export.outputs().toString());
    for (ArtifactRef gguf : ggufs) {
      assertEquals("gguf", artifacts.find(gguf.uri()).orElseThrow().kind());
      assertEquals(Set.of(model.uri(), tokenizerJson.uri()), Set.copyOf(artifacts.inputsOf(gguf.uri())),
          "made from the trained model and the run's tokenizer");
      Path local = Files.createTempFile("export", ".gguf");
      try {
        Files.write(local, store.readBytes(gguf.bucket(), gguf.key()).orElseThrow());
        ObjectNode request = new ObjectMapper().createObjectNode().put("model", local.toString()).put("threads", 1);
        request.putArray("texts").add(text);
        JsonNode answer = dev.pretrain.tests.llama.LlamaCpp.installed().run(request);
        assertEquals("llama", answer.get("architecture").asText(), gguf.uri());
        int[] theirs = new ObjectMapper().convertValue(answer.get("tokenized").get(0), int[].class);
        assertArrayEquals(ours.encodeOrdinary(text), theirs, gguf.uri() + ": llama.cpp tokenizes as we do");
      } finally {
        Files.deleteIfExists(local);
      }
    }
  }

  @Test
  void theReportAndTheModelCardGiveEveryModelBySourceAndNameEveryExportedFile() throws Exception {
    ObjectStore store = stack.config.objectStore();
    ObjectMapper json = new ObjectMapper();
    StepSummary export = step("export");
    Map<String, ArtifactRef> out = export.outputs().stream()
        .collect(Collectors.toMap(a -> a.key().substring(a.key().lastIndexOf('/') + 1), a -> a));
    JsonNode report = json.readTree(store.readBytes(out.get("evaluation.json").bucket(),
        out.get("evaluation.json").key()).orElseThrow());
    Map<String, JsonNode> byLabel = new java.util.LinkedHashMap<>();
    report.get("evaluations").forEach(e -> byLabel.put(e.get("label").asText(), e));
    assertTrue(byLabel.keySet().containsAll(List.of("initial", "final", "q8_0", "gguf-f16", "gguf-q8_0", "gguf-q4_0")),
        byLabel.keySet().toString());
    Map<String, String> roles = new java.util.TreeMap<>();
    JsonNode fp32 = byLabel.get("final");
    long tokens = 0;
    for (JsonNode s : fp32.get("bySource")) {
      roles.put(s.get("source").asText(), s.get("role").asText());
      tokens += s.get("tokens").asLong();
    }
    assertEquals(fp32.get("tokens").asLong(), tokens, "the sources' tokens add up to the evaluation's");
    assertEquals("held-out source", roles.get(HELD_OUT), roles.toString());
    assertEquals("drift", roles.get(DRIFT), "6.12's new and changed process docs: " + roles);
    assertEquals("random split", roles.get("linux-doc-6.1"), roles.toString());
    assertEquals(roles.size(), new dev.pretrain.db.evaluations.EvaluationRepository(stack.database.jdbc())
        .sources(runId, "gguf-q4_0").size(), "per-source rows of every evaluation in the database");
    JsonNode q4 = byLabel.get("gguf-q4_0");
    assertTrue(q4.get("deltaBitsPerByte").isNumber(), q4.toString());
    q4.get("bySource").forEach(s -> assertTrue(s.get("deltaBitsPerByte").isNumber(), s.toString()));
    JsonNode curve = report.at("/training/lossCurve");
    long steps = step("train").counts().get("steps");
    assertEquals(steps, curve.size(), "a training loss for every step");
    assertEquals(steps, curve.get(curve.size() - 1).get("step").asLong());
    assertEquals(8, report.get("samples").size(), "4 prompts, greedy and sampled");
    String html = new String(store.readBytes(out.get("evaluation.html").bucket(), out.get("evaluation.html").key())
        .orElseThrow(), StandardCharsets.UTF_8);
    assertTrue(html.contains("<svg") && html.contains(runId) && html.contains(DRIFT), "the HTML page");

    JsonNode card = json.readTree(store.readBytes(out.get("model-card.json").bucket(),
        out.get("model-card.json").key()).orElseThrow());
    String markdown = new String(store.readBytes(out.get("model-card.md").bucket(), out.get("model-card.md").key())
        .orElseThrow(), StandardCharsets.UTF_8);
    ArtifactRepository artifacts = new ArtifactRepository(stack.database.jdbc());
    Map<String, String> cardFiles = new java.util.HashMap<>();
    card.get("files").forEach(f -> cardFiles.put(f.get("uri").asText(), f.get("sha256").asText()));
    for (ArtifactRef gguf : export.outputs().stream().filter(a -> a.uri().endsWith(".gguf")).toList()) {
      assertEquals(gguf.sha256(), cardFiles.get(gguf.uri()), gguf.uri());
      assertTrue(markdown.contains(gguf.sha256()), "the Markdown card names " + gguf.uri() + "'s SHA-256");
      assertTrue(artifacts.inputsOf(out.get("model-card.json").uri()).contains(gguf.uri()));
    }
    assertEquals(step("train").counts().get("documents_seen"), card.at("/data/documents").asLong(),
        "the data summary is the model's lineage");
    assertTrue(card.at("/data/licenses").size() > 0 && card.at("/data/jurisdictions").has("US"), card.get("data")
        .toString());
    assertEquals("model-card", artifacts.find(out.get("model-card.md").uri()).orElseThrow().kind());
    assertEquals("evaluation-report", artifacts.find(out.get("evaluation.html").uri()).orElseThrow().kind());

    // ./pretrain report fetches the four files (SHA-256 checked) and prints bits per byte per source
    Path dir = stack.config.dataDir().resolve("reports");
    Cli.Result fetched = Cli.run(stack.config, "report", runId, "--out", dir.toString());
    assertEquals(0, fetched.exitCode(), fetched.toString());
    assertEquals(markdown, Files.readString(dir.resolve(runId + "-model-card.md")));
    assertTrue(Files.exists(dir.resolve(runId + "-evaluation.html")));
    assertTrue(fetched.stdout().contains(DRIFT) && fetched.stdout().contains("gguf-q4_0"), fetched.stdout());
  }

  @Test
  void theExportCommandWritesTheSameGgufAndASafetensorsCheckpointOfTheRunsModel() throws Exception {
    Path out = stack.config.dataDir().resolve("exports");
    Cli.Result gguf = Cli.run(stack.config, "--json", "export", runId, "--format", "gguf", "--type", "q4_0", "--out",
        out.toString());
    assertEquals(0, gguf.exitCode(), gguf.stdout());
    JsonNode g = new ObjectMapper().readTree(gguf.stdout());
    ArtifactRef stepQ4 = step("export").outputs().stream().filter(a -> a.uri().endsWith("model-q4_0.gguf")).findFirst()
        .orElseThrow();
    assertEquals(stepQ4.sha256(), g.get("files").get(0).get("sha256").asText(),
        "the command writes the export step's file, byte for byte");
    assertTrue(Files.size(Path.of(g.get("files").get(0).get("file").asText())) == stepQ4.sizeBytes());

    Cli.Result st = Cli.run(stack.config, "--json", "export", runId, "--format", "safetensors", "--out", out.toString());
    assertEquals(0, st.exitCode(), st.stdout());
    JsonNode s = new ObjectMapper().readTree(st.stdout());
    assertEquals(3, s.get("files").size(), "model.safetensors, config.json, tokenizer.json");
    ArtifactRepository artifacts = new ArtifactRepository(stack.database.jdbc());
    for (JsonNode f : s.get("files")) {
      assertEquals("safetensors", artifacts.find(f.get("uri").asText()).orElseThrow().kind());
      assertEquals(2, artifacts.inputsOf(f.get("uri").asText()).size(), "made from the model and the tokenizer");
    }
    JsonNode config = new ObjectMapper().readTree(Path.of(s.get("files").get(1).get("file").asText()).toFile());
    assertEquals(VOCAB, config.get("vocab_size").asInt());
    assertEquals("llama", config.get("model_type").asText());
  }

  @Test
  void lineageFromATokenShardReachesItsSourceDocuments() {
    ArtifactRef shard = step("tokenize").outputs().stream().filter(a -> a.uri().endsWith(".bin")).findFirst()
        .orElseThrow();
    LineageQueries lineage = new LineageQueries(stack.database.jdbc());

    List<LineageQueries.SourceLicenseCount> bySource = lineage.documentsBySourceAndLicense(shard.uri());
    assertFalse(bySource.isEmpty(), "token shard holds documents");
    // documents from the registry corpus carry the license their package declares; the local
    // bad-input files declare none, and lineage must show that rather than invent one
    for (LineageQueries.SourceLicenseCount c : bySource) {
      assertTrue(c.documents() > 0, c.toString());
      assertEquals(c.source().equals("e2e-bad"), c.license() == null, c.toString());
    }

    List<String> upstreamKinds = lineage.upstream(shard.uri()).stream().map(n -> n.artifact().kind()).toList();
    assertTrue(upstreamKinds.contains("corpus-file") || upstreamKinds.contains("input-file"),
        "upstream reaches the source files: " + upstreamKinds);
  }

  @Test
  void trainingLowersValidationLossAndQ8_0StaysCloseToFullPrecision() {
    Map<String, Double> eval = step("evaluate").figures();
    assertTrue(eval.get("val_loss") < eval.get("val_loss_before") - 1.0,
        "validation loss after training well below the untrained model's: " + eval);
    Map<String, Double> quant = step("quantize").figures();
    // Q8_0 keeps 8 bits per weight with one fp16 scale per 32: the loss may move by a few thousandths at most
    assertTrue(Math.abs(quant.get("loss_delta")) < 0.01, "Q8_0 loss delta within 0.01 nats: " + quant);
    assertTrue(quant.get("size_ratio") < 0.3, quant.toString());
  }

  @Test
  void lineageFromTheQuantizedModelReachesSourceDocuments() {
    ArtifactRef quantized = step("quantize").outputs().stream().filter(a -> a.uri().endsWith("model-q8_0.bin"))
        .findFirst().orElseThrow(() -> new AssertionError("no quantized model in " + step("quantize")));
    LineageQueries lineage = new LineageQueries(stack.database.jdbc());

    List<LineageQueries.SourceLicenseCount> bySource = lineage.documentsBehind(quantized.uri());
    assertFalse(bySource.isEmpty(), "the quantized model traces to the documents its model saw");
    assertTrue(bySource.stream().anyMatch(c -> c.source().startsWith("linux-doc") && "GPL-2".equals(c.license())),
        bySource.toString());
    List<String> upstreamKinds = lineage.upstream(quantized.uri()).stream().map(n -> n.artifact().kind()).toList();
    assertTrue(upstreamKinds.containsAll(List.of("model", "checkpoint", "tokens", "tokenizer", "documents",
        "corpus-file")), "quantized model -> model -> checkpoints -> token shards (-> tokenizer) -> documents -> source"
        + " files: " + upstreamKinds);
  }

  @Test
  void theAuditReportOfTheQuantizedModelAccountsForEveryDocumentAndAnswersTheAuditorsQuestions() throws Exception {
    ArtifactRef quantized = step("quantize").outputs().stream().filter(a -> a.uri().endsWith("model-q8_0.bin"))
        .findFirst().orElseThrow();
    Path out = stack.config.dataDir().resolve("audit");
    Cli.Result written = Cli.run(stack.config, "audit", quantized.uri(), "--out", out.toString());
    assertEquals(0, written.exitCode(), "every document accounted for: exit 0");
    JsonNode report = new ObjectMapper().readTree(out.resolve("audit-" + runId + ".json").toFile());
    String html = Files.readString(out.resolve("audit-" + runId + ".html"));
    assertTrue(html.contains("<svg class=\"graph\"") && html.contains(quantized.sha256()), "HTML with graph and digests");

    JsonNode s = report.get("summary");
    long recordsIn = step("ingest").counts().get("records_in");
    assertEquals(recordsIn, s.get("documentsIn").asLong());
    assertEquals(recordsIn, s.get("ingestRecordsIn").asLong());
    assertTrue(s.get("conserved").asBoolean());
    long perSource = 0;
    long tokens = 0;
    for (JsonNode f : report.get("funnel")) {
      perSource += f.get("in").asLong();
      tokens += f.get("tokensTrained").asLong();
      assertEquals(f.get("in").asLong(), f.get("kept").asLong() + f.get("quarantined").asLong()
          + f.get("rejected").asLong() + f.get("filtered").asLong() + f.get("deduplicated").asLong(), f.toString());
    }
    assertEquals(recordsIn, perSource, "per-source counts sum to the ingested total");
    assertEquals(step("dedup").counts().get("kept"), s.get("kept").asLong());
    assertTrue(tokens > 0 && tokens == s.get("tokensTrained").asLong(), "tokens trained on, per source");
    assertEquals(step("train").counts().get("documents_seen"), s.get("documentsTrained").asLong());
    // every step that ran says where: the task queue, the worker's host, and the step's code version
    for (String stepName : List.of("ingest", "dedup", "tokenizer", "tokenize", "train", "quantize", "export")) {
      JsonNode row = null;
      for (JsonNode p : report.get("processing")) {
        if (p.get("step").asText().equals(stepName)) {
          row = p;
        }
      }
      assertTrue(row != null && !row.get("workerHost").isNull() && !row.get("taskQueue").isNull()
          && row.get("codeVersion").asText().startsWith(stepName), stepName + " in " + report.get("processing"));
    }
    for (JsonNode a : report.get("artifacts")) {
      assertEquals(64, a.get("sha256").asText().length(), a.toString());
    }
    assertTrue(report.get("artifacts").findValuesAsText("kind").contains("tokenizer"), "the tokenizer is in the report");
    assertTrue(report.get("sources").size() >= corpus.sources().size());

    // the questions, as an auditor asks them
    String source = report.get("licenses").get(0).get("source").asText(); // a source the model was trained on
    JsonNode models = new ObjectMapper().readTree(Cli.run(stack.config, "--json", "audit", "models", source).stdout());
    assertTrue(models.get("artifacts").findValuesAsText("uri").contains(quantized.uri()), models.toString());
    String filtered = new DocumentRepository(stack.database.jdbc()).decisions(runId, "curate").stream()
        .filter(d -> d.decision().equals("filtered")).findFirst().orElseThrow().docId();
    JsonNode why = new ObjectMapper().readTree(Cli.run(stack.config, "--json", "audit", "why", filtered).stdout());
    assertEquals("filtered", why.get("decisions").get(0).get("decision").asText());
    assertTrue(why.get("curation").get(runId).findValuesAsText("action").contains("rejected"), why.toString());
    String modelUri = new ArtifactRepository(stack.database.jdbc()).byRun(runId).stream()
        .filter(a -> a.kind().equals("model")).findFirst().orElseThrow().uri();
    String trainedDoc = stack.database.jdbc().queryForObject(
        "SELECT MIN(doc_id) FROM artifact_documents WHERE artifact_uri = ?", String.class, modelUri);
    JsonNode where = new ObjectMapper().readTree(Cli.run(stack.config, "--json", "audit", "where", trainedDoc).stdout());
    assertTrue(where.get("models").toString().contains(modelUri), where.toString());
    assertTrue(where.get("madeFromModels").findValuesAsText("uri").contains(quantized.uri()), where.toString());
    JsonNode nowhere = new ObjectMapper().readTree(Cli.run(stack.config, "--json", "audit", "sources", quantized.uri(),
        "--jurisdiction", "nowhere").stdout());
    assertEquals(0, nowhere.get("sources").size(), "no source of an unknown jurisdiction");

    // tamper evidence: the finished run was sealed; the report carries the root; verify finds one edited row
    String root = report.get("integrity").get("rootHash").asText();
    assertEquals(64, root.length(), report.get("integrity").toString());
    assertEquals(0, Cli.run(stack.config, "audit", "verify", runId).exitCode(), "an untouched run verifies");
    String edited = stack.database.jdbc().queryForObject(
        "SELECT MIN(doc_id) FROM run_documents WHERE run_id = ? AND outcome = 'kept'", String.class, runId);
    String license = stack.database.jdbc().queryForObject(
        "SELECT license FROM run_documents WHERE run_id = ? AND doc_id = ?", String.class, runId, edited);
    stack.database.jdbc().update("UPDATE run_documents SET license = 'CC0-1.0' WHERE run_id = ? AND doc_id = ?", runId,
        edited);
    try {
      Cli.Result tampered = Cli.run(stack.config, "audit", "verify", runId);
      assertEquals(4, tampered.exitCode(), tampered.stdout());
      assertTrue(tampered.stdout().contains("run_documents") && tampered.stdout().contains(edited)
          && tampered.stdout().contains("license"), tampered.stdout());
    } finally {
      stack.database.jdbc().update("UPDATE run_documents SET license = ? WHERE run_id = ? AND doc_id = ?", license,
          runId, edited);
    }
    assertEquals(0, Cli.run(stack.config, "audit", "verify", runId).exitCode(), "restored: intact again");
  }

  @Test
  void theRealTemporalServerRecordedEachStepAsActivities() {
    List<HistoryEvent> events = stack.temporal.client("e2e-test")
        .fetchHistory(PretrainingRunWorkflow.workflowId(runId)).getEvents();
    Set<String> activities = events.stream()
        .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
        .map(e -> e.getActivityTaskScheduledEventAttributes().getActivityType().getName())
        .collect(Collectors.toSet());
    // dedup is partitioned: a hash activity per shard, exact/buckets/verify per partition, components, filters
    assertTrue(activities.containsAll(List.of("PlanIngest", "IngestPartition", "HashShard", "ExactPartition",
        "BucketPartition", "VerifyPartition", "Components", "FilterGroup", "TokenizeShard")), activities.toString());
  }

  @Test
  void everyDedupDropIsExportedWithItsTwinAndSimilarity() throws Exception {
    Path out = Files.createTempFile("drops", ".jsonl");
    assertEquals(0, Cli.run(stack.config, "lineage", "decisions", runId, "--step", "dedup", "--format", "jsonl",
        "--out", out.toString()).exitCode());
    List<JsonNode> drops = new ArrayList<>();
    for (String line : Files.readAllLines(out)) {
      drops.add(new ObjectMapper().readTree(line));
    }
    Map<String, Long> dedup = summary.steps().stream().filter(s -> s.step().equals("dedup")).findFirst()
        .orElseThrow().counts();
    assertEquals(dedup.get("duplicates"), (long) drops.size());
    long near = drops.stream().filter(d -> d.get("kind").asText().equals("fuzzy")).count();
    assertEquals(dedup.get("near_duplicates"), near);
    // the kernel documentation's two versions hold exact and near copies; 6.12 is the drift set, so only
    // its exact copies of 6.1 files go, and its near copies (changed files) stay for evaluation
    List<JsonNode> driftDrops = drops.stream().filter(d -> d.get("dropped").asText().startsWith(DRIFT + ":")).toList();
    assertFalse(driftDrops.isEmpty(), "6.12 files identical to their 6.1 version are dropped");
    driftDrops.forEach(d -> assertEquals("exact", d.get("kind").asText(), d.toString()));
    assertTrue(driftDrops.stream().anyMatch(d -> d.get("kept").asText().startsWith("linux-doc-6.1:")),
        "dropped against the trained version");
    for (JsonNode d : drops) {
      assertTrue(d.hasNonNull("dropped") && d.hasNonNull("kept"), d.toString());
      if (d.get("kind").asText().equals("fuzzy")) {
        // the exact Jaccard to the kept twin; under the threshold only when joined through another member
        assertTrue(d.get("jaccard").asDouble() >= 0.8 || d.get("reason").asText().contains("linked through"),
            d.toString());
      }
    }
  }
}
