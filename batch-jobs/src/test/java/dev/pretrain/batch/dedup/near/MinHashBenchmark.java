package dev.pretrain.batch.dedup.near;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * MB/s per core of the fuzzy-dedup signature stage on a real corpus, one thread: shingling, MinHash
 * signatures (112 hashes) and the 14 band bucket keys of every document. Prints the median of the
 * rounds; the texts are read into memory first, so only the computation is timed.
 *
 * <p>With {@code --reference}, the same run also times datatrove's MinHash signature stage on the same
 * corpus, one task and one worker ({@code batch-jobs/src/test/python/datatrove_minhash.py}, which
 * installs datatrove into a venv under {@code batch-jobs/target}), and prints the ratio.
 *
 * <p>Args: {@code --corpus DIR [--rounds N] [--reference] [--reference-rounds N]}; DIR holds JSONL files
 * with a {@code text} field, searched recursively (e.g. the demo corpus under the data directory's S3
 * folder). Run from the repository root.
 */
public final class MinHashBenchmark {

  public static void main(String[] args) throws Exception {
    Path corpus = null;
    int rounds = 5;
    boolean reference = false;
    int referenceRounds = 3;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--corpus" -> corpus = Path.of(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--reference" -> reference = true;
        case "--reference-rounds" -> referenceRounds = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (corpus == null) {
      throw new IllegalArgumentException("--corpus DIR is required");
    }
    List<String> texts = new ArrayList<>();
    long bytes = 0;
    ObjectMapper json = new ObjectMapper();
    try (Stream<Path> files = Files.walk(corpus)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
        try (BufferedReader in = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
          for (String line = in.readLine(); line != null; line = in.readLine()) {
            JsonNode n = json.readTree(line);
            String text = n.path("text").asText("");
            texts.add(text);
            bytes += text.getBytes(StandardCharsets.UTF_8).length;
          }
        }
      }
    }
    System.out.printf(Locale.ROOT, "MinHash signatures: %,d documents, %.1f MB of text from %s; %d rounds, 1 thread%n",
        texts.size(), bytes / 1e6, corpus, rounds);
    Shingler shingler = new Shingler();
    MinHasher hasher = new MinHasher();
    LshBands bands = LshBands.DEFAULT;
    double[] shingleOnly = new double[rounds];
    double[] chain = new double[rounds];
    long sink = 0;
    for (int r = -1; r < rounds; r++) { // round -1 warms the JIT up
      long t0 = System.nanoTime();
      for (String t : texts) {
        sink += shingler.shingles(t).length;
      }
      long t1 = System.nanoTime();
      for (String t : texts) {
        long[] sig = hasher.signature(shingler.shingles(t));
        if (sig != null) {
          for (int b = 0; b < bands.bands(); b++) {
            sink ^= bands.bucketKey(sig, b);
          }
        }
      }
      long t2 = System.nanoTime();
      if (r >= 0) {
        shingleOnly[r] = bytes / 1e6 / ((t1 - t0) / 1e9);
        chain[r] = bytes / 1e6 / ((t2 - t1) / 1e9);
      }
    }
    System.out.printf(Locale.ROOT, "  shingles only                       median %6.1f MB/s per core%n", median(shingleOnly));
    System.out.printf(Locale.ROOT, "  shingles + signature + band keys    median %6.1f MB/s per core  (check %d)%n",
        median(chain), sink & 0xFF);
    if (reference) {
      double theirs = datatrove(corpus, referenceRounds);
      System.out.printf(Locale.ROOT, "  datatrove 0.10.1 MinhashDedupSignature median %6.2f MB/s per core (%d rounds)%n",
          theirs, referenceRounds);
      System.out.printf(Locale.ROOT, "  ours / datatrove: %.1fx per core%n", median(chain) / theirs);
    }
  }

  /** Runs the reference script; its last stdout line is a JSON object with the median MB/s. */
  private static double datatrove(Path corpus, int rounds) throws Exception {
    Process p = new ProcessBuilder("python3", "batch-jobs/src/test/python/datatrove_minhash.py", corpus.toString(),
        "--rounds", Integer.toString(rounds)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("the datatrove reference failed (exit " + p.exitValue() + ")");
    }
    String last = out.substring(out.lastIndexOf('\n') + 1);
    return new ObjectMapper().readTree(last).get("mb_per_s").asDouble();
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    java.util.Arrays.sort(s);
    return s[s.length / 2];
  }
}
