package dev.pretrain.batch.dedup.near;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.batch.dedup.decontam.DecontaminationIndex;
import dev.pretrain.batch.dedup.decontam.DecontaminationIndex.Overlap;
import dev.pretrain.batch.tokenize.Split;
import dev.pretrain.batch.tokenize.SplitRule;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * How many validation documents have a copy in train, as the tokenize step would split a corpus
 * ({@link SplitRule}: held-out sources to validation, plus a hashed fraction of the rest), before and
 * after near-duplicate removal.
 *
 * <p>A validation document has a copy in train when a training document has the same text (exact) or
 * shingle sets of exact Jaccard at or above the threshold (near), found as {@link NearDuplicateSurvey}
 * finds them: MinHash-LSH candidates (bands fitted to the threshold with the weights), each checked
 * exactly. Each validation document counts once, under the source of its closest training copy.
 * "After dedup" removes, per connected component of the checked pairs over the whole corpus (train
 * and validation together, as dedup runs before tokenize), all members but the one of the
 * lexicographically smallest id: a stand-in for the pipeline's keep rule. Every checked pair then lies
 * inside one component, so after dedup LSH finds no copy by construction; the "exhaustive" columns
 * compare every validation document with every training document of a compatible size (a Jaccard of
 * t needs sizes within a factor t) and so count what LSH missed, before and after.
 *
 * <p>It also reports how many training documents the 13-gram {@link DecontaminationIndex} of the
 * validation documents flags, at minimum overlaps of 1, its default, 10 and 50 shared n-grams,
 * before and after dedup.
 *
 * <p>Args: {@code --corpus DIR [--val-fraction F] [--held-out SRC,SRC] [--threshold T] [--weights FP,FN]
 * [--examples K]} (K training documents flagged after dedup, to look at);
 * DIR holds JSONL files (id, text, source) searched recursively; a document's source is its
 * {@code source} field, else its folder.
 */
public final class ValidationNearCopies {

  public static void main(String[] args) throws Exception {
    Path corpus = null;
    double valFraction = 0.01;
    List<String> heldOut = List.of();
    double threshold = 0.8;
    double fp = 0.1;
    double fn = 0.9;
    int exampleCount = 0;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--corpus" -> corpus = Path.of(args[++i]);
        case "--val-fraction" -> valFraction = Double.parseDouble(args[++i]);
        case "--held-out" -> heldOut = Arrays.stream(args[++i].split(",")).filter(s -> !s.isBlank()).toList();
        case "--threshold" -> threshold = Double.parseDouble(args[++i]);
        case "--examples" -> exampleCount = Integer.parseInt(args[++i]);
        case "--weights" -> {
          String[] w = args[++i].split(",");
          fp = Double.parseDouble(w[0]);
          fn = Double.parseDouble(w[1]);
        }
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (corpus == null) {
      throw new IllegalArgumentException("--corpus DIR is required");
    }
    SplitRule rule = new SplitRule(valFraction, heldOut);
    List<String> sources = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    List<Boolean> isVal = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    try (Stream<Path> files = Files.walk(corpus)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
        String folder = f.getParent().getFileName().toString();
        try (BufferedReader in = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
          for (String line = in.readLine(); line != null; line = in.readLine()) {
            JsonNode doc = json.readTree(line);
            String source = doc.path("source").asText(folder);
            String id = doc.path("id").asText(source + "#" + ids.size());
            sources.add(source);
            ids.add(id);
            texts.add(doc.path("text").asText(""));
            isVal.add(rule.of(id, source) == Split.VAL);
          }
        }
      }
    }
    int n = texts.size();
    LshBands bands = LshBands.forThreshold(threshold, MinHasher.DEFAULT_HASHES, fp, fn);
    CandidatePairs.Sketches sketches = CandidatePairs.Sketches.of(texts);
    int[][] sets = sketches.sets();
    long[][] sigs = sketches.signatures();

    // Checked pairs over the whole corpus, and the components they make.
    Set<Long> candidates = CandidatePairs.of(bands, sigs);
    Map<Long, Double> checked = new HashMap<>();
    DuplicateClusters clusters = new DuplicateClusters(n);
    for (long pair : candidates) {
      int x = (int) (pair >>> 32);
      int y = (int) pair;
      double j = MinHasher.jaccard(sets[x], sets[y]);
      if (j >= threshold) {
        checked.put(pair, j);
        clusters.union(x, y);
      }
    }
    Map<String, Integer> firstWithText = new HashMap<>(); // identical texts share every band; made sure of here
    for (int d = 0; d < n; d++) {
      if (sets[d].length > 0) {
        Integer other = firstWithText.putIfAbsent(texts.get(d), d);
        if (other != null) {
          checked.putIfAbsent(CandidatePairs.pair(other, d), 1.0);
          clusters.union(other, d);
        }
      }
    }
    Map<Integer, Integer> keeper = new HashMap<>();
    for (int d = 0; d < n; d++) {
      keeper.merge(clusters.find(d), d, (a, b) -> ids.get(a).compareTo(ids.get(b)) <= 0 ? a : b);
    }
    boolean[] kept = new boolean[n];
    keeper.values().forEach(d -> kept[d] = true);
    boolean[] all = new boolean[n];
    Arrays.fill(all, true);

    int val = 0;
    int valKept = 0;
    int trainKept = 0;
    for (int d = 0; d < n; d++) {
      if (isVal.get(d)) {
        val++;
        valKept += kept[d] ? 1 : 0;
      } else {
        trainKept += kept[d] ? 1 : 0;
      }
    }
    System.out.printf(Locale.ROOT, "%s: %,d documents; valFraction %s, held out %s: %,d validation, %,d train%n", corpus,
        n, valFraction, heldOut, val, n - val);
    System.out.printf(Locale.ROOT, "threshold %.2f, %d x %d bands (weights %.1f, %.1f): %,d candidate pairs, %,d at or "
        + "above the threshold; dedup keeps %,d validation and %,d training documents (smallest id per component)%n%n",
        threshold, bands.bands(), bands.rows(), fp, fn, candidates.size(), checked.size(), valKept, trainKept);

    long t0 = System.nanoTime();
    Partner[] lshBefore = viaPairs(checked, isVal, all, ids, texts);
    Partner[] lshAfter = viaPairs(checked, isVal, kept, ids, texts);
    Partner[] fullBefore = exhaustive(sets, isVal, all, ids, texts, threshold);
    Partner[] fullAfter = exhaustive(sets, isVal, kept, ids, texts, threshold);
    long t1 = System.nanoTime();

    Map<String, long[]> table = new TreeMap<>();
    Partner[][] columns = {lshBefore, fullBefore, lshAfter, fullAfter};
    for (int c = 0; c < columns.length; c++) {
      for (int v = 0; v < n; v++) {
        Partner p = columns[c][v];
        if (p != null) {
          long[] row = table.computeIfAbsent(sources.get(v) + " <- " + sources.get(p.train), k -> new long[8]);
          row[2 * c + (p.exact ? 0 : 1)]++;
        }
      }
    }
    long[] total = new long[8];
    table.values().forEach(r -> Arrays.setAll(total, i -> total[i] + r[i]));
    System.out.printf(Locale.ROOT, "validation documents with a copy in train (exact: same text; near: Jaccard >= %.2f), "
        + "by the source of the closest one%n", threshold);
    System.out.println("                                             before dedup                after dedup");
    System.out.println("  validation <- train source             exact   near exhaustive     exact   near exhaustive");
    table.forEach((k, r) -> System.out.println(copiesRow(k, r)));
    System.out.println(copiesRow("all", total));
    System.out.printf(Locale.ROOT, "  (exact, near: found by LSH and checked; exhaustive: exact + near from comparing every "
        + "pair, %.1f s)%n%n", (t1 - t0) / 1e9);

    int[] mins = {1, DecontaminationIndex.DEFAULT_MIN_OVERLAP, 10, 50};
    Map<String, long[]> flags = new TreeMap<>();
    List<String> examples = new ArrayList<>();
    boolean[][] states = {all, kept};
    for (int s = 0; s < states.length; s++) {
      DecontaminationIndex.Builder builder = DecontaminationIndex.builder();
      List<String> evalSources = new ArrayList<>();
      for (int d = 0; d < n; d++) {
        if (isVal.get(d) && states[s][d]) {
          builder.add(ids.get(d), texts.get(d));
          evalSources.add(sources.get(d));
        }
      }
      DecontaminationIndex index = builder.build();
      Map<String, String> sourceOf = new HashMap<>();
      for (int o = 0; o < index.evalDocuments(); o++) {
        sourceOf.put(index.evalDocumentId(o), evalSources.get(o));
      }
      for (int d = 0; d < n; d++) {
        if (!isVal.get(d) && states[s][d]) {
          Optional<Overlap> o = index.check(texts.get(d), 1);
          if (o.isPresent()) {
            long[] row = flags.computeIfAbsent(sources.get(d) + " -> " + sourceOf.get(o.get().evalDocId()),
                k -> new long[2 * mins.length]);
            for (int m = 0; m < mins.length; m++) {
              row[s * mins.length + m] += o.get().sharedNgrams() >= mins[m] ? 1 : 0;
            }
            if (s == 1 && examples.size() < exampleCount && d % 7 == 0) { // a spread of them
              examples.add(String.format(Locale.ROOT, "  %s -> %s: %,d shared of %,d", ids.get(d), o.get().evalDocId(),
                  o.get().sharedNgrams(), o.get().textNgrams()));
            }
          }
        }
      }
    }
    long[] flagTotal = new long[2 * mins.length];
    flags.values().forEach(r -> Arrays.setAll(flagTotal, i -> flagTotal[i] + r[i]));
    System.out.printf(Locale.ROOT, "training documents the %d-gram index of the validation documents flags, by minimum "
        + "shared n-grams, under the source of the validation document sharing the most%n", DecontaminationIndex.DEFAULT_N);
    System.out.printf(Locale.ROOT, "                                           before dedup                 after dedup%n");
    StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "  %-36s", "train -> validation source"));
    for (int s = 0; s < 2; s++) {
      for (int m : mins) {
        header.append(String.format(Locale.ROOT, " %6s", ">=" + m));
      }
      header.append("   ");
    }
    System.out.println(header.toString().stripTrailing());
    flags.forEach((k, r) -> System.out.println(flagRow(k, r)));
    System.out.println(flagRow("all", flagTotal));
    if (!examples.isEmpty()) {
      System.out.println("\nflagged after dedup, some of them:");
      examples.forEach(System.out::println);
    }
  }

  /** A validation document's closest copy in train. */
  private record Partner(int train, boolean exact, double jaccard) {

    boolean closerThan(Partner other, List<String> ids) {
      if (other == null || exact != other.exact) {
        return other == null || exact;
      }
      if (jaccard != other.jaccard) {
        return jaccard > other.jaccard;
      }
      return ids.get(train).compareTo(ids.get(other.train)) < 0;
    }
  }

  /** From the checked pairs: the closest training copy of each present validation document. */
  private static Partner[] viaPairs(Map<Long, Double> checked, List<Boolean> isVal, boolean[] present,
      List<String> ids, List<String> texts) {
    Partner[] best = new Partner[isVal.size()];
    checked.forEach((pair, j) -> {
      int x = (int) (pair >>> 32);
      int y = (int) (long) pair;
      if (present[x] && present[y] && isVal.get(x) != isVal.get(y)) {
        int v = isVal.get(x) ? x : y;
        int t = v == x ? y : x;
        Partner p = new Partner(t, texts.get(v).equals(texts.get(t)), j);
        if (p.closerThan(best[v], ids)) {
          best[v] = p;
        }
      }
    });
    return best;
  }

  /** Every present validation document against every present training document of a compatible size. */
  private static Partner[] exhaustive(int[][] sets, List<Boolean> isVal, boolean[] present, List<String> ids,
      List<String> texts, double threshold) {
    int n = sets.length;
    Integer[] train = java.util.stream.IntStream.range(0, n).filter(d -> present[d] && !isVal.get(d) && sets[d].length > 0)
        .boxed().sorted((a, b) -> Integer.compare(sets[a].length, sets[b].length)).toArray(Integer[]::new);
    int[] sizes = Arrays.stream(train).mapToInt(d -> sets[d].length).toArray();
    Partner[] best = new Partner[n];
    for (int v = 0; v < n; v++) {
      if (!present[v] || !isVal.get(v) || sets[v].length == 0) {
        continue;
      }
      int a = sets[v].length;
      int from = lowerBound(sizes, (int) Math.ceil(a * threshold - 1e-9));
      int to = lowerBound(sizes, (int) Math.floor(a / threshold + 1e-9) + 1);
      for (int i = from; i < to; i++) {
        int t = train[i];
        double j = MinHasher.jaccard(sets[v], sets[t]);
        if (j >= threshold) {
          Partner p = new Partner(t, texts.get(v).equals(texts.get(t)), j);
          if (p.closerThan(best[v], ids)) {
            best[v] = p;
          }
        }
      }
    }
    return best;
  }

  private static int lowerBound(int[] sorted, int key) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] < key) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private static String copiesRow(String label, long[] r) {
    return String.format(Locale.ROOT, "  %-36s %6d %6d %8d       %6d %6d %8d", label, r[0], r[1], r[2] + r[3], r[4], r[5],
        r[6] + r[7]);
  }

  private static String flagRow(String label, long[] r) {
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "  %-36s", label));
    for (int i = 0; i < r.length; i++) {
      sb.append(String.format(Locale.ROOT, " %6d", r[i])).append(i == r.length / 2 - 1 ? "   " : "");
    }
    return sb.toString();
  }
}
