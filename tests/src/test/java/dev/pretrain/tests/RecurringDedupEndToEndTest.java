package dev.pretrain.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.batch.dedup.stages.DedupIndex;
import dev.pretrain.db.documents.DocumentRepository;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.ops.client.RunClient;
import dev.pretrain.ops.config.PretrainConfig;
import dev.pretrain.ops.corpus.CorpusFetcher;
import dev.pretrain.ops.corpus.CorpusSpec;
import dev.pretrain.ops.corpus.FetchResult;
import dev.pretrain.ops.recipe.Recipe;
import dev.pretrain.ops.worker.PipelineWorker;
import dev.pretrain.workflows.StepNames;
import dev.pretrain.workflows.dedup.DedupParams;
import dev.pretrain.workflows.run.RunRequest;
import dev.pretrain.workflows.run.RunSummary;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Recurring runs on a growing corpus, on the real stack: night 1 reads the quick corpus and starts a
 * dedup index; by night 2 a new file has arrived beside it with one new document, a copy and a near
 * copy of documents night 1 trained on. Night 2 reads everything again and keeps only the new one.
 */
class RecurringDedupEndToEndTest {

  static RealStack stack;
  static PipelineWorker worker;
  static FetchResult corpus;

  @BeforeAll
  static void up() throws Exception {
    Path dataDir = Path.of("target", "e2e-recurring").toAbsolutePath();
    stack = RealStack.start(dataDir);
    worker = PipelineWorker.start(stack.config, stack.temporal, 2);
    corpus = new CorpusFetcher(stack.config.dataDir(), stack.config.objectStore(), stack.database, System.err::println)
        .fetch(CorpusSpec.named("quick"), PretrainConfig.CORPUS_BUCKET, "recurring-quick");
  }

  @AfterAll
  static void down() {
    if (worker != null) {
      worker.close();
    }
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void theSecondNightKeepsOnlyWhatIsNew() throws Exception {
    PretrainConfig cfg = stack.config;
    String index = "nightly-" + Instant.now().getEpochSecond();
    RunSummary night1 = run(List.of(corpus.inputUri()), index);
    Map<String, Long> d1 = counts(night1);
    assertTrue(d1.get("kept") > 50, d1.toString());

    // a new file arrives: a new document, an exact copy and a near copy of documents night 1 kept
    String kept = firstKeptText(night1);
    String[] words = kept.split(" ");
    for (int i = 7; i < words.length; i += 50) {
      words[i] = "changed";
    }
    ObjectMapper json = new ObjectMapper();
    Path file = Files.createTempFile("arrived", ".jsonl");
    Files.writeString(file, String.join("\n",
        json.writeValueAsString(doc("new-1", NEW_TEXT)),
        json.writeValueAsString(doc("copy-1", kept)),
        json.writeValueAsString(doc("near-1", String.join(" ", words)))) + "\n");
    cfg.objectStore().putFile(PretrainConfig.CORPUS_BUCKET, "recurring-new/arrived.jsonl", file, "application/x-ndjson");

    RunSummary night2 = run(List.of(corpus.inputUri(), "s3://" + PretrainConfig.CORPUS_BUCKET + "/recurring-new/"), index);
    Map<String, Long> d2 = counts(night2);
    assertEquals(d1.get("documents_in") + 3, d2.get("documents_in"), d2.toString());
    assertEquals(1L, d2.get("kept"), "only the new document: " + d2);
    // what night 1 kept and its exact copies are exact copies of the indexed documents, and so is copy-1;
    // night 1's near-duplicates are near-duplicates of them again, and so is near-1
    assertEquals(d1.get("kept") + d1.get("exact_duplicates") + 1, d2.get("exact_duplicates"), d2.toString());
    assertEquals(d1.get("near_duplicates") + 1, d2.get("near_duplicates"), d2.toString());

    Map<String, DocumentRepository.Decision> decisions = new DocumentRepository(stack.database.jdbc())
        .decisions(night2.runId(), StepNames.DEDUP).stream()
        .collect(Collectors.toMap(DocumentRepository.Decision::docId, x -> x));
    assertTrue(decisions.get("copy-1").reason().endsWith("kept by an earlier run (dedup index)"),
        decisions.get("copy-1").toString());
    assertEquals("fuzzy", decisions.get("near-1").dedupKind());
    assertTrue(decisions.get("near-1").jaccardExact() >= 0.8, decisions.get("near-1").toString());

    DedupIndex v2 = DedupIndex.latest(cfg.objectStore(), cfg.bucket(), index).orElseThrow();
    assertEquals(2, v2.version());
    assertEquals(List.of(night1.runId(), night2.runId()), v2.runs());
  }

  static final String NEW_TEXT = "The river had risen during the night, and by morning the lower field was under water. "
      + "We walked along the old stone wall to see how far it had come. The sheep had moved to the hill on their own, "
      + "as they always do when the ground gets soft. My father said the bridge would hold, but he wanted to look at "
      + "it himself before the school bus crossed. There was a lot of wood caught against the posts, and a small boat "
      + "that nobody knew. By noon the rain had stopped and the water began to go down again.";

  static Map<String, Object> doc(String id, String text) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", id);
    m.put("text", text);
    m.put("source", "arrivals");
    m.put("license", "CC0-1.0");
    m.put("language", "en");
    m.put("jurisdiction", "US");
    return m;
  }

  static RunSummary run(List<String> inputs, String index) {
    RunRequest request = new Recipe("recurring", inputs, stack.config.bucket(), RunRequest.IngestParams.defaults(),
        RunRequest.TokenizeParams.defaults()).toRequest(Recipe.newRunId("recurring", Instant.now()))
        .withUntil(StepNames.DEDUP).withDedup(DedupParams.defaults().withIndex(index));
    stack.config.objectStore().ensureBucket(request.bucket());
    RunClient runs = new RunClient(stack.temporal.client("e2e-test"));
    RunSummary summary = runs.follow(runs.start(request), System.err, Duration.ofSeconds(1));
    assertEquals("completed", summary.status(), summary.toString());
    return summary;
  }

  static Map<String, Long> counts(RunSummary s) {
    return s.steps().stream().filter(x -> x.step().equals(StepNames.DEDUP)).findFirst().orElseThrow().counts();
  }

  /** The text of the first document of night 1's first non-empty kept shard. */
  static String firstKeptText(RunSummary night1) throws Exception {
    ObjectStore store = stack.config.objectStore();
    List<ObjectStore.Stored> kept = new ArrayList<>(store.list(stack.config.bucket(),
        "runs/" + night1.runId() + "/dedup/docs-"));
    for (ObjectStore.Stored s : kept) {
      try (InputStream in = store.open(s.bucket(), s.key());
          BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String line = r.readLine();
        if (line != null) {
          JsonNode n = new ObjectMapper().readTree(line);
          return n.get("text").asText();
        }
      }
    }
    throw new AssertionError("night 1 kept nothing");
  }
}
