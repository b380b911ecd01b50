package dev.pretrain.batch.dedup.near;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What near-duplicate removal would find in a corpus, per pair of sources: documents with an exact
 * copy (same text) and documents with a near-copy (exact Jaccard of the shingle sets at or above the
 * threshold, found by LSH and checked), with the similarity of near pairs. One document per component
 * is kept: the one of the lowest (source, id) order.
 *
 * <p>Args: {@code --corpus DIR [--threshold T] [--weights FP,FN] [--pair A,B]}; the source of a
 * document is the folder its JSONL file is in (the corpus layout). {@code --pair A,B} also lists each
 * document of source A with its counterpart in source B: the B document of its component most similar
 * to it (exact copy or near copy), else, for a document with none, the most similar B document of all
 * (exact Jaccard, every B document compared); then the median Jaccard of these counterparts. For two
 * editions of one text cut the same way (the demo's kjv and bible-kjv-text: one document per book),
 * that is one line per book.
 */
public final class NearDuplicateSurvey {

  public static void main(String[] args) throws Exception {
    Path corpus = null;
    double threshold = 0.8;
    double fp = 0.1;
    double fn = 0.9;
    String[] pairArg = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--corpus" -> corpus = Path.of(args[++i]);
        case "--threshold" -> threshold = Double.parseDouble(args[++i]);
        case "--weights" -> {
          String[] w = args[++i].split(",");
          fp = Double.parseDouble(w[0]);
          fn = Double.parseDouble(w[1]);
        }
        case "--pair" -> {
          pairArg = args[++i].split(",");
          if (pairArg.length != 2) {
            throw new IllegalArgumentException("--pair takes two source ids, A,B");
          }
        }
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    List<String> sources = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    try (Stream<Path> files = Files.walk(corpus)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
        String source = f.getParent().getFileName().toString();
        try (BufferedReader in = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
          for (String line = in.readLine(); line != null; line = in.readLine()) {
            JsonNode n = json.readTree(line);
            sources.add(source);
            ids.add(n.path("id").asText(source + "#" + ids.size()));
            texts.add(n.path("text").asText(""));
          }
        }
      }
    }
    int n = texts.size();
    LshBands bands = LshBands.forThreshold(threshold, MinHasher.DEFAULT_HASHES, fp, fn);
    CandidatePairs.Sketches sketches = CandidatePairs.Sketches.of(texts);
    int[][] sets = sketches.sets();
    long[][] sigs = sketches.signatures();
    Set<Long> candidates = CandidatePairs.of(bands, sigs);
    DuplicateClusters clusters = new DuplicateClusters(n);
    int checked = 0;
    for (long pair : candidates) {
      int x = (int) (pair >>> 32);
      int y = (int) pair;
      if (MinHasher.jaccard(sets[x], sets[y]) >= threshold) {
        clusters.union(x, y);
        checked++;
      }
    }
    Map<Integer, Integer> kept = new HashMap<>();
    for (int d = 0; d < n; d++) {
      int root = clusters.find(d);
      Integer k = kept.get(root);
      if (k == null || (sources.get(d) + "\0" + ids.get(d)).compareTo(sources.get(k) + "\0" + ids.get(k)) < 0) {
        kept.put(root, d);
      }
    }
    Map<String, long[]> bySourcePair = new TreeMap<>(); // exact, near; and the sum of near similarities
    Map<String, double[]> similarity = new TreeMap<>();
    long exactTotal = 0;
    long nearTotal = 0;
    for (int d = 0; d < n; d++) {
      int k = kept.get(clusters.find(d));
      if (k == d) {
        continue;
      }
      String key = sources.get(d) + " -> " + sources.get(k);
      long[] c = bySourcePair.computeIfAbsent(key, s -> new long[2]);
      if (texts.get(d).equals(texts.get(k))) {
        c[0]++;
        exactTotal++;
      } else {
        c[1]++;
        nearTotal++;
        double j = MinHasher.jaccard(sets[d], sets[k]);
        double[] s = similarity.computeIfAbsent(key, x -> new double[] {0, 2, -1});
        s[0] += j;
        s[1] = Math.min(s[1], j);
        s[2] = Math.max(s[2], j);
      }
    }
    System.out.printf(Locale.ROOT, "%,d documents in %s; threshold %.2f, %d x %d bands (weights %.1f, %.1f): %,d candidate "
        + "pairs, %,d checked at or above the threshold%n", n, corpus, threshold, bands.bands(), bands.rows(), fp, fn,
        candidates.size(), checked);
    System.out.printf(Locale.ROOT, "removed: %,d exact copies, %,d near copies%n%n", exactTotal, nearTotal);
    System.out.println("dropped source -> kept source            exact    near   Jaccard to the kept one (mean, min .. max)");
    bySourcePair.forEach((key, c) -> {
      double[] s = similarity.get(key);
      System.out.printf(Locale.ROOT, "  %-38s %6d  %6d   %s%n", key, c[0], c[1],
          s == null ? "" : String.format(Locale.ROOT, "%.3f, %.3f .. %.3f", s[0] / c[1], s[1], s[2]));
    });
    if (pairArg != null) {
      printPair(pairArg[0], pairArg[1], threshold, sources, ids, texts, sets, clusters);
    }
  }

  /** Each document of source {@code a} with its counterpart in source {@code b}; see the class comment. */
  static void printPair(String a, String b, double threshold, List<String> sources, List<String> ids,
      List<String> texts, int[][] sets, DuplicateClusters clusters) {
    List<Integer> inA = new ArrayList<>();
    List<Integer> inB = new ArrayList<>();
    Map<Integer, List<Integer>> bByComponent = new HashMap<>();
    for (int d = 0; d < ids.size(); d++) {
      if (sources.get(d).equals(a)) {
        inA.add(d);
      } else if (sources.get(d).equals(b)) {
        inB.add(d);
        bByComponent.computeIfAbsent(clusters.find(d), k -> new ArrayList<>()).add(d);
      }
    }
    inA.sort(Comparator.comparing(ids::get));
    System.out.printf(Locale.ROOT, "%n%s (%,d documents) against %s (%,d documents), threshold %.2f:%n", a, inA.size(), b,
        inB.size(), threshold);
    System.out.println("  document of " + a + "  ->  counterpart in " + b + "  kind  Jaccard");
    long exact = 0;
    long near = 0;
    long none = 0;
    Set<Integer> counterparts = new HashSet<>();
    double[] best = new double[inA.size()];
    double[] nearJ = new double[inA.size()];
    int nearCount = 0;
    for (int i = 0; i < inA.size(); i++) {
      int d = inA.get(i);
      List<Integer> same = bByComponent.getOrDefault(clusters.find(d), List.of());
      boolean linked = !same.isEmpty();
      int bestDoc = -1;
      double bestJ = -1;
      for (int e : linked ? same : inB) {
        double j = texts.get(d).equals(texts.get(e)) ? 2 : MinHasher.jaccard(sets[d], sets[e]); // an exact copy first
        if (j > bestJ) {
          bestJ = j;
          bestDoc = e;
        }
      }
      String kind;
      if (bestDoc < 0) {
        kind = "none";
        none++;
      } else if (linked && bestJ == 2) {
        kind = "exact";
        exact++;
        bestJ = 1;
      } else {
        bestJ = Math.min(bestJ, 1);
        kind = linked ? "near" : "none";
        if (linked) {
          near++;
          nearJ[nearCount++] = bestJ;
        } else {
          none++;
        }
      }
      if (bestDoc >= 0) {
        counterparts.add(bestDoc);
      }
      best[i] = Math.max(bestJ, 0);
      System.out.printf(Locale.ROOT, "  %s  ->  %s  %s  %.3f%n", ids.get(d), bestDoc < 0 ? "-" : ids.get(bestDoc), kind,
          best[i]);
    }
    System.out.printf(Locale.ROOT, "%s: %,d exact, %,d near, %,d with none at or above %.2f; median Jaccard to the "
        + "counterpart %.3f (near ones: %.3f); %,d of %,d %s documents are someone's counterpart%n", a, exact, near, none,
        threshold, median(best, best.length), median(nearJ, nearCount), counterparts.size(), inB.size(), b);
  }

  static double median(double[] values, int n) {
    if (n == 0) {
      return Double.NaN;
    }
    double[] v = Arrays.copyOf(values, n);
    Arrays.sort(v);
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }
}
