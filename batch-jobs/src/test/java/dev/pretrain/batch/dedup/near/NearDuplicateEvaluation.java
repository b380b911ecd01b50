package dev.pretrain.batch.dedup.near;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Precision and recall of MinHash-LSH near-duplicate detection on a planted set built from real
 * text ({@link PlantedNearDuplicates}), at Jaccard thresholds 0.5, 0.7, 0.8 and 0.9, with ground truth
 * from exact Jaccard on the shingle sets.
 *
 * <p>Pairs: a positive is a pair of documents whose exact Jaccard is at least the threshold. Within a
 * family (an original and its edits) every pair's Jaccard is computed; across families only the pairs
 * LSH proposes are (originals are chosen from different documents, so cross-family positives are rare,
 * and one LSH misses would not be counted: recall is over within-family positives). Recall = found
 * positives / positives; precision of LSH alone = candidates that are positives / candidates; with the
 * exact check every reported pair is a positive.
 *
 * <p>Documents: the reported pairs are joined into components and one document per component is kept
 * (the lowest number: the original). Because similarity is not transitive, a dropped document may be
 * further from the kept one than the threshold; the table counts those.
 *
 * <p>Args: {@code --corpus DIR [--originals N] [--skip SOURCE,...] [--weights FP,FN]}: JSONL files under DIR,
 * the originals chosen evenly from documents of at least 100 words (skipping the named source folders);
 * the weights of false positives and negatives when bands and rows are fitted to each threshold.
 */
public final class NearDuplicateEvaluation {

  public static void main(String[] args) throws Exception {
    Path corpus = null;
    int originals = 1000;
    // near-copies by nature: linux-doc-6.12 of linux-doc-6.1, bible-kjv-text of kjv (the other edition)
    Set<String> skip = new HashSet<>(List.of("linux-doc-6.12", "bible-kjv-text"));
    double fpWeight = 0.5;
    double fnWeight = 0.5;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--corpus" -> corpus = Path.of(args[++i]);
        case "--originals" -> originals = Integer.parseInt(args[++i]);
        case "--skip" -> skip = new HashSet<>(List.of(args[++i].split(",")));
        case "--weights" -> {
          String[] w = args[++i].split(",");
          fpWeight = Double.parseDouble(w[0]);
          fnWeight = Double.parseDouble(w[1]);
        }
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    Shingler shingler = new Shingler();
    List<String> pool = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    ObjectMapper json = new ObjectMapper();
    try (Stream<Path> files = Files.walk(corpus)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
        if (skip.contains(f.getParent().getFileName().toString())) {
          continue;
        }
        try (BufferedReader in = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
          for (String line = in.readLine(); line != null; line = in.readLine()) {
            String text = json.readTree(line).path("text").asText("");
            if (Shingler.wordHashes(text).length >= 100 && seen.add(text)) {
              pool.add(text);
            }
          }
        }
      }
    }
    List<String> chosen = new ArrayList<>();
    for (int i = 0; i < originals && i < pool.size(); i++) {
      chosen.add(pool.get((int) ((long) i * pool.size() / Math.min(originals, pool.size()))));
    }
    List<PlantedNearDuplicates.Doc> docs = PlantedNearDuplicates.build(chosen, 42);
    int n = docs.size();
    int[][] sets = new int[n][];
    long[][] sigs = new long[n][];
    MinHasher hasher = new MinHasher();
    for (int d = 0; d < n; d++) {
      sets[d] = shingler.shingleSet(docs.get(d).text());
      sigs[d] = hasher.signature(shingler.shingles(docs.get(d).text()));
    }
    System.out.printf(Locale.ROOT, "planted set: %,d originals from %s (%,d documents of 100+ words), %d edits each: "
        + "%,d documents%n", chosen.size(), corpus, pool.size(), n / chosen.size() - 1, n);

    // edit sizes, as exact Jaccard to the original
    Map<String, List<Double>> byEdit = new LinkedHashMap<>();
    Map<Long, Double> exact = new HashMap<>();
    for (int d = 0; d < n; d++) {
      for (int e = d + 1; e < n && docs.get(e).family() == docs.get(d).family(); e++) {
        double j = MinHasher.jaccard(sets[d], sets[e]);
        exact.put(pair(d, e), j);
        if (docs.get(d).edit().equals("original")) {
          byEdit.computeIfAbsent(docs.get(e).edit(), k -> new ArrayList<>()).add(j);
        }
      }
    }
    System.out.println("\nedit                                   median Jaccard to the original (min .. max)");
    byEdit.forEach((edit, js) -> {
      js.sort(null);
      System.out.printf(Locale.ROOT, "  %-36s %.3f  (%.3f .. %.3f)%n", edit, js.get(js.size() / 2), js.get(0),
          js.get(js.size() - 1));
    });

    System.out.printf(Locale.ROOT, "%nbands and rows per threshold weigh false positives %.2f, false negatives %.2f%n",
        fpWeight, fnWeight);
    System.out.println("threshold  bands x rows  positives  candidates  recall  precision (LSH)  precision (checked)"
        + "  dropped docs  of them below t to the kept one");
    Map<Double, Map<String, double[]>> recallByEdit = new TreeMap<>();
    for (double t : new double[] {0.5, 0.7, 0.8, 0.9}) {
      LshBands bands = LshBands.forThreshold(t, MinHasher.DEFAULT_HASHES, fpWeight, fnWeight);
      Set<Long> candidates = CandidatePairs.of(bands, sigs);
      long positives = 0;
      for (Map.Entry<Long, Double> e : exact.entrySet()) {
        if (e.getValue() >= t) {
          positives++;
        }
      }
      long truePositives = 0;
      long foundWithinFamilies = 0;
      DuplicateClusters clusters = new DuplicateClusters(n);
      for (long p : candidates) {
        int x = (int) (p >>> 32);
        int y = (int) p;
        Double j = exact.get(p);
        if (j == null) {
          j = MinHasher.jaccard(sets[x], sets[y]);
        }
        if (j >= t) {
          truePositives++;
          clusters.union(x, y);
          if (docs.get(x).family() == docs.get(y).family()) {
            foundWithinFamilies++;
          }
        }
      }
      // keep the lowest-numbered member of each component
      Map<Integer, Integer> keptOf = new HashMap<>();
      for (int d = 0; d < n; d++) {
        keptOf.merge(clusters.find(d), d, Math::min);
      }
      int dropped = 0;
      int belowThreshold = 0;
      for (int d = 0; d < n; d++) {
        int kept = keptOf.get(clusters.find(d));
        if (kept != d) {
          dropped++;
          if (MinHasher.jaccard(sets[d], sets[kept]) < t) {
            belowThreshold++;
          }
        }
      }
      System.out.printf(Locale.ROOT, "  %.1f      %2d x %-2d      %,9d  %,10d  %.4f  %.4f           %.4f               %,7d  %,d%n",
          t, bands.bands(), bands.rows(), positives, candidates.size(), (double) foundWithinFamilies / positives,
          candidates.isEmpty() ? 1.0 : (double) truePositives / candidates.size(), 1.0, dropped, belowThreshold);
      Map<String, double[]> perEdit = new LinkedHashMap<>();
      for (int d = 0; d < n; d++) {
        if (!docs.get(d).edit().equals("original")) {
          continue;
        }
        for (int e = d + 1; e < n && docs.get(e).family() == docs.get(d).family(); e++) {
          double j = exact.get(pair(d, e));
          if (j >= t) {
            double[] c = perEdit.computeIfAbsent(docs.get(e).edit(), k -> new double[2]);
            c[0]++;
            if (candidates.contains(pair(d, e))) {
              c[1]++;
            }
          }
        }
      }
      recallByEdit.put(t, perEdit);
    }
    System.out.println("\nrecall per edit (original paired with its edit; pairs at or above the threshold)");
    recallByEdit.forEach((t, perEdit) -> perEdit.forEach((edit, c) -> System.out.printf(Locale.ROOT,
        "  t=%.1f  %-36s %5.0f pairs  recall %.4f%n", t, edit, c[0], c[1] / c[0])));
  }

  private static long pair(int x, int y) {
    return CandidatePairs.pair(x, y);
  }
}
