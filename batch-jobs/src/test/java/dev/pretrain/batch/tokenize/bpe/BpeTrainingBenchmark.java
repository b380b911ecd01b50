package dev.pretrain.batch.tokenize.bpe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Prints training times (not a test): our {@link BpeTrainer} against Hugging Face {@code tokenizers}'
 * BpeTrainer (python, {@code RAYON_NUM_THREADS=1}), one thread each, on the same demo-corpus sample,
 * same vocabulary size and special token; median of {@code --rounds} timed rounds (ours after one
 * warm-up round). Both times cover pre-tokenizing and counting the words as well as the merges.
 * Also counts how many of the two trainers' merges agree, in order, from the first.
 *
 * <p>Args: {@code [--corpus DIR] [--mb N] [--vocab V] [--rounds N]}; run from the repository root.
 */
public final class BpeTrainingBenchmark {

  public static void main(String[] args) throws Exception {
    Path root = DemoCorpus.DEFAULT_ROOT;
    long maxBytes = 16_000_000;
    int vocab = 8192;
    int rounds = 3;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--corpus" -> root = Path.of(args[++i]);
        case "--mb" -> maxBytes = Long.parseLong(args[++i]) * 1_000_000;
        case "--vocab" -> vocab = Integer.parseInt(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException(args[i]);
      }
    }
    List<String> docs = DemoCorpus.sample(root, maxBytes);
    System.out.printf("sample: %d documents, %.1f MB from %s; vocab %d; %d rounds; java %s, %d cpus%n", docs.size(),
        DemoCorpus.utf8Bytes(docs) / 1e6, root, vocab, rounds, System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors());

    BpeTrainer trainer = new BpeTrainer(vocab, List.of("<|endoftext|>"), 0);
    BpeVocabulary ours = trainer.train(docs); // warm-up
    double[] oursSeconds = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      long t0 = System.nanoTime();
      ours = trainer.train(docs);
      oursSeconds[r] = (System.nanoTime() - t0) / 1e9;
    }

    Path dir = Path.of("batch-jobs/target/bpe-bench");
    Files.createDirectories(dir);
    Path texts = dir.resolve("texts.jsonl");
    Path hfJson = dir.resolve("hf-tokenizer.json");
    DemoCorpus.writeJsonl(docs, texts);
    String out = DemoCorpus.python(
        List.of("train", texts.toString(), Integer.toString(vocab), Integer.toString(rounds), hfJson.toString()), true);
    ObjectMapper mapper = new ObjectMapper();
    JsonNode result = mapper.readTree(out.lines().reduce((a, b) -> b).orElseThrow());
    List<Double> hf = new ArrayList<>();
    result.path("seconds").forEach(n -> hf.add(n.asDouble()));
    double[] hfSeconds = hf.stream().mapToDouble(Double::doubleValue).toArray();

    double oursMedian = median(oursSeconds);
    double hfMedian = median(hfSeconds);
    System.out.printf("ours (java, 1 thread):             median %.2f s %s%n", oursMedian, Arrays.toString(oursSeconds));
    System.out.printf("tokenizers %s (RAYON_NUM_THREADS=%s): median %.2f s %s%n", result.path("tokenizers").asText(),
        result.path("rayon_threads").asText(), hfMedian, Arrays.toString(hfSeconds));
    System.out.printf("ratio ours / tokenizers: %.2f%n", oursMedian / hfMedian);

    JsonNode hfMerges = mapper.readTree(hfJson.toFile()).path("model").path("merges");
    List<String> ourStrings = ours.tokenStrings();
    int agree = 0;
    for (BpeVocabulary.Merge m : ours.merges()) {
      if (agree >= hfMerges.size()) {
        break;
      }
      JsonNode h = hfMerges.get(agree);
      String hl = h.isArray() ? h.get(0).asText() : h.asText().split(" ")[0];
      String hr = h.isArray() ? h.get(1).asText() : h.asText().split(" ")[1];
      if (!hl.equals(ourStrings.get(m.left())) || !hr.equals(ourStrings.get(m.right()))) {
        break;
      }
      agree++;
    }
    System.out.printf("merges: ours %d, tokenizers %d; the first %d agree in order%n", ours.merges().size(),
        hfMerges.size(), agree);
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
