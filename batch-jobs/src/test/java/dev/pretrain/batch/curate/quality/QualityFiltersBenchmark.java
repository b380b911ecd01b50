package dev.pretrain.batch.curate.quality;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Prints figures (not a test): single-thread throughput of {@link QualityFilters#prose()} and
 * {@link QualityFilters#docs()} (median MB/s of UTF-8 text bytes, 10^6, over timed rounds after one
 * warm-up round; also per CPU-second of this thread, which a busy machine distorts less), then per source how many documents each rule rejects: first failure (what apply
 * decides) for both sets, and each rule on its own under prose (every rule measured).
 *
 * <p>Args: {@code <directory of *.jsonl, walked> [--rounds N]}; records need "text", and "source"
 * (else the file's parent folder names the source).
 */
public final class QualityFiltersBenchmark {

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private record Doc(String source, String text) {}

  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      System.err.println("usage: QualityFiltersBenchmark <jsonl directory> [--rounds N]");
      System.exit(2);
    }
    Path dir = Path.of(args[0]);
    int rounds = 5;
    for (int i = 1; i < args.length - 1; i++) {
      if (args[i].equals("--rounds")) {
        rounds = Integer.parseInt(args[i + 1]);
      }
    }
    List<Doc> docs = load(dir);
    long bytes = 0;
    for (Doc d : docs) {
      bytes += d.text().getBytes(StandardCharsets.UTF_8).length;
    }
    System.out.printf("%d documents, %.1f MB of text (UTF-8) from %s%n", docs.size(), bytes / 1e6, dir);
    for (QualityFilters filters : List.of(QualityFilters.prose(), QualityFilters.docs())) {
      run(filters, docs); // warm-up
      double[] mbps = new double[rounds];
      double[] cpuMbps = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        int kept = run(filters, docs);
        mbps[r] = bytes * 1e3 / (System.nanoTime() - t0);
        cpuMbps[r] = bytes * 1e3 / (THREADS.getCurrentThreadCpuTime() - cpu0);
        if (kept < 0) {
          System.out.println(); // keeps the result observable
        }
      }
      Arrays.sort(mbps);
      Arrays.sort(cpuMbps);
      System.out.printf("%-5s median %.1f MB/s wall-clock over %d rounds (min %.1f, max %.1f), one thread;"
              + " %.1f MB per CPU-second (median)%n",
          filters.name(), mbps[rounds / 2], rounds, mbps[0], mbps[rounds - 1], cpuMbps[rounds / 2]);
    }
    for (QualityFilters filters : List.of(QualityFilters.prose(), QualityFilters.docs())) {
      Map<String, Map<String, Integer>> counts = new TreeMap<>();
      Map<String, Integer> totals = new TreeMap<>();
      for (Doc d : docs) {
        QualityFilters.Outcome outcome = filters.apply(d.text());
        totals.merge(d.source(), 1, Integer::sum);
        String rule = outcome.rejected() ? outcome.rejection().rule() : "(kept)";
        counts.computeIfAbsent(d.source(), s -> new TreeMap<>()).merge(rule, 1, Integer::sum);
      }
      print("first failing rule, " + filters.name(), counts, totals);
    }
    QualityFilters prose = QualityFilters.prose();
    Map<String, Map<String, Integer>> alone = new TreeMap<>();
    Map<String, Integer> totals = new TreeMap<>();
    for (Doc d : docs) {
      totals.merge(d.source(), 1, Integer::sum);
      Map<String, Integer> perRule = alone.computeIfAbsent(d.source(), s -> new TreeMap<>());
      for (RuleVerdict v : prose.allFailures(d.text())) {
        perRule.merge(v.rule(), 1, Integer::sum);
      }
    }
    print("each rule on its own, prose", alone, totals);
  }

  private static int run(QualityFilters filters, List<Doc> docs) {
    int kept = 0;
    for (Doc d : docs) {
      if (!filters.apply(d.text()).rejected()) {
        kept++;
      }
    }
    return kept;
  }

  private static void print(String title, Map<String, Map<String, Integer>> counts, Map<String, Integer> totals) {
    TreeSet<String> rules = new TreeSet<>();
    counts.values().forEach(m -> rules.addAll(m.keySet()));
    List<String> sources = new ArrayList<>(totals.keySet());
    System.out.printf("%n== %s (documents per source) ==%n", title);
    StringBuilder header = new StringBuilder(String.format("%-40s", "rule"));
    for (String s : sources) {
      header.append(String.format(" %14s", s));
    }
    System.out.println(header);
    StringBuilder all = new StringBuilder(String.format("%-40s", "(documents)"));
    sources.forEach(s -> all.append(String.format(" %14d", totals.get(s))));
    System.out.println(all);
    for (String rule : rules) {
      StringBuilder row = new StringBuilder(String.format("%-40s", rule));
      for (String s : sources) {
        row.append(String.format(" %14d", counts.getOrDefault(s, Map.of()).getOrDefault(rule, 0)));
      }
      System.out.println(row);
    }
  }

  private static List<Doc> load(Path dir) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<Doc> docs = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(dir)) {
      files = walk.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList();
    }
    for (Path file : files) {
      String folder = file.getParent().getFileName().toString();
      try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        String line;
        while ((line = reader.readLine()) != null) {
          if (line.isBlank()) {
            continue;
          }
          JsonNode node = json.readTree(line);
          JsonNode text = node.get("text");
          if (text == null || !text.isTextual()) {
            continue;
          }
          JsonNode source = node.get("source");
          docs.add(new Doc(source != null && source.isTextual() ? source.asText() : folder, text.asText()));
        }
      }
    }
    return docs;
  }
}
