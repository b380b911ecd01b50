package dev.pretrain.tests.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pretrain.activities.evaluate.Generation;
import dev.pretrain.activities.export.GgufExport;
import dev.pretrain.activities.train.DjlRuntime;
import dev.pretrain.activities.train.LlamaModel;
import dev.pretrain.activities.train.ModelConfig;
import dev.pretrain.activities.train.TokenShards;
import dev.pretrain.activities.train.TrainConfig;
import dev.pretrain.activities.train.Trainer;
import dev.pretrain.batch.tokenize.LlmcTokenShard;
import dev.pretrain.batch.tokenize.bpe.BpeTokenizer;
import dev.pretrain.batch.tokenize.bpe.BpeTrainer;
import dev.pretrain.batch.tokenize.bpe.BpeVocabulary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our exporter against an independent runtime: a small model is trained (DJL, CPU) on text tokenized
 * with a vocabulary our trainer made, exported as GGUF in F32, F16, Q8_0 and Q4_0, and run by llama.cpp
 * (node-llama-cpp's prebuilt CPU build, {@link LlamaCpp}). llama.cpp must tokenize held-out text as we
 * do, its next-token log-probabilities must agree with our model's within a tolerance per type, and its
 * greedy continuation of a prompt from the F32 file must be ours.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExportedModelLlamaCppTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  /** Tolerances on |log p(llama.cpp) - log p(ours, fp32)| per file type (F32: llama.cpp in F32 throughout). */
  // measured here: 8.4e-7, 3.2e-4, 1.5e-2, 7.2e-2 (47 positions of a 150-step model); the bounds leave room
  private static final Map<GgufExport.FileType, Double> TOLERANCE = Map.of(GgufExport.FileType.F32, 1e-4,
      GgufExport.FileType.F16, 5e-3, GgufExport.FileType.Q8_0, 0.05, GgufExport.FileType.Q4_0, 0.3);
  private static final int GENERATE = 16;

  private BpeTokenizer tokenizer;
  private List<String> heldOut;
  private int[] sequence;
  private double[] ourLogProbs;
  private int[] prompt;
  private int[] ourGreedy;
  private final Map<GgufExport.FileType, JsonNode> answers = new LinkedHashMap<>();
  private final Map<GgufExport.FileType, Long> sizes = new LinkedHashMap<>();
  private Trainer trainer;

  @BeforeAll
  void trainExportAndRun(@TempDir Path dir) throws Exception {
    // text: the project's own docs, two files held out
    List<Path> files;
    try (Stream<Path> s = Files.list(Path.of("..", "docs"))) {
      files = s.filter(p -> p.toString().endsWith(".md")).sorted().toList();
    }
    List<String> texts = new ArrayList<>();
    for (Path f : files) {
      texts.add(Files.readString(f));
    }
    heldOut = texts.subList(texts.size() - 2, texts.size());
    List<String> train = texts.subList(0, texts.size() - 2);
    BpeVocabulary vocabulary = new BpeTrainer(1024, List.of(GgufExport.END_OF_TEXT), 0).train(train);
    tokenizer = new BpeTokenizer(vocabulary);
    int eot = vocabulary.specialTokenId(GgufExport.END_OF_TEXT);
    List<Integer> tokens = new ArrayList<>();
    for (String t : train) {
      tokens.add(eot);
      for (int id : tokenizer.encodeOrdinary(t)) {
        tokens.add(id);
      }
    }
    Path bin = dir.resolve("train.bin");
    LlmcTokenShard.write(bin, tokens.stream().mapToInt(Integer::intValue).toArray());

    DjlRuntime.init(Path.of("target", "djl-cache").toAbsolutePath(), 2);
    ModelConfig config = new ModelConfig(vocabulary.size(), 64, 64, 2, 4, 192, 10000, 7);
    trainer = Trainer.start(config, TrainConfig.defaults(150, 8, 64, 3e-3, 7), TokenShards.open(List.of(bin)));
    for (int i = 0; i < 150; i++) {
      trainer.trainStep();
    }
    LlamaModel model = trainer.model();

    // ours: log p of each next token of a held-out sequence, and a greedy continuation of a prompt
    int[] held = tokenizer.encodeOrdinary(heldOut.get(0));
    sequence = Arrays.copyOf(held, 48);
    prompt = Arrays.copyOfRange(held, 100, 116);
    Thread eval = new Thread(() -> {
      DjlRuntime.noGradOnThisThread();
      ourLogProbs = ExportedModelTable.logProbs(model, sequence);
      ourGreedy = Generation.generate(model, prompt, GENERATE, Generation.Sampling.greedy(), -1);
    });
    eval.start();
    eval.join();

    LlamaCpp llama = LlamaCpp.installed();
    for (GgufExport.FileType type : GgufExport.FileType.values()) {
      Path gguf = dir.resolve("model-" + type.name().toLowerCase() + ".gguf");
      GgufExport.write(gguf, model, vocabulary, type, "pretrain-test");
      sizes.put(type, Files.size(gguf));
      ObjectNode r = JSON.createObjectNode().put("model", gguf.toString()).put("threads", 1)
          .put("flashAttention", false).put("kvCacheType", "F32");
      ArrayNode ts = r.putArray("texts");
      heldOut.forEach(ts::add);
      ArrayNode seqs = r.putArray("sequences");
      ArrayNode seq = seqs.addArray();
      Arrays.stream(sequence).forEach(seq::add);
      ObjectNode g = r.putArray("generate").addObject().put("greedy", true).put("maxTokens", GENERATE);
      ArrayNode p = g.putArray("prompt");
      Arrays.stream(prompt).forEach(p::add);
      answers.put(type, llama.run(r));
    }
  }

  @AfterAll
  void close() {
    if (trainer != null) {
      trainer.close();
    }
  }

  @Test
  void llamaCppTokenizesHeldOutTextAsWeDo() {
    for (Map.Entry<GgufExport.FileType, JsonNode> a : answers.entrySet()) {
      for (int i = 0; i < heldOut.size(); i++) {
        int[] theirs = JSON.convertValue(a.getValue().get("tokenized").get(i), int[].class);
        int[] ours = tokenizer.encodeOrdinary(heldOut.get(i));
        assertTrue(Arrays.equals(ours, theirs), a.getKey() + ": held-out text " + i + " tokenized differently ("
            + ours.length + " vs " + theirs.length + " tokens)");
      }
    }
  }

  @Test
  void llamaCppsNextTokenLogProbabilitiesAgreeWithOursPerType() {
    StringBuilder report = new StringBuilder();
    for (Map.Entry<GgufExport.FileType, JsonNode> a : answers.entrySet()) {
      JsonNode theirs = a.getValue().get("evaluated").get(0).get("nextLogProbs");
      assertEquals(ourLogProbs.length, theirs.size(), a.getKey().name());
      double max = 0;
      double sum = 0;
      for (int i = 0; i < ourLogProbs.length; i++) {
        double d = Math.abs(theirs.get(i).asDouble() - ourLogProbs[i]);
        max = Math.max(max, d);
        sum += d;
      }
      report.append(String.format(java.util.Locale.ROOT, "%n  %-5s %,9d bytes  max |dlogp| %.2e  mean %.2e (tolerance %.1e)",
          a.getKey(), sizes.get(a.getKey()), max, sum / ourLogProbs.length, TOLERANCE.get(a.getKey())));
      assertTrue(max < TOLERANCE.get(a.getKey()), a.getKey() + ": max |dlogp| " + max);
    }
    System.out.println("ExportedModelLlamaCppTest: llama.cpp vs our fp32 model over " + ourLogProbs.length
        + " held-out positions:" + report);
  }

  @Test
  void llamaCppsGreedyContinuationFromTheF32FileIsOurs() {
    JsonNode gen = answers.get(GgufExport.FileType.F32).get("generated").get(0);
    int[] theirs = JSON.convertValue(gen.get("ids"), int[].class);
    System.out.println("ExportedModelLlamaCppTest: prompt '" + tokenizer.decode(prompt) + "'\n  ours:      '"
        + tokenizer.decode(ourGreedy) + "'\n  llama.cpp: '" + tokenizer.decode(theirs) + "'");
    for (Map.Entry<GgufExport.FileType, JsonNode> a : answers.entrySet()) {
      JsonNode g = a.getValue().get("generated").get(0);
      System.out.printf("  %-5s %s tokens/s, rss after load %,d bytes: '%s'%n", a.getKey(),
          g.get("tokensPerSecond"), a.getValue().get("rssBytesAfterLoad").asLong(),
          tokenizer.decode(JSON.convertValue(g.get("ids"), int[].class)));
    }
    assertTrue(Arrays.equals(ourGreedy, Arrays.copyOf(theirs, ourGreedy.length)) || theirs.length < ourGreedy.length
        && Arrays.equals(Arrays.copyOf(ourGreedy, theirs.length), theirs), "greedy ids: ours "
        + Arrays.toString(ourGreedy) + ", llama.cpp " + Arrays.toString(theirs));
  }
}
