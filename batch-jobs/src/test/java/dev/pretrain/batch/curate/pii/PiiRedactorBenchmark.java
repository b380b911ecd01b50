package dev.pretrain.batch.curate.pii;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Prints throughput figures (not a test): {@link PiiRedactor#redact} over every record of the JSONL
 * files under a directory (field "text", grouped by field "source"), one thread, 2 warm-up rounds,
 * then the median of N timed rounds (default 5), overall and per source, with the counts per kind.
 * MB/s is UTF-8 text bytes (10^6) per second.
 *
 * <p>Args: {@code <dir> [--rounds N]}.
 */
public final class PiiRedactorBenchmark {

  public static void main(String[] args) throws IOException {
    if (args.length == 0) {
      System.err.println("usage: PiiRedactorBenchmark <dir with *.jsonl> [--rounds N]");
      System.exit(2);
    }
    Path root = Path.of(args[0]);
    int rounds = 5;
    for (int i = 1; i < args.length; i++) {
      if (args[i].equals("--rounds")) {
        rounds = Integer.parseInt(args[++i]);
      } else {
        throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    Map<String, List<String>> bySource = load(root);
    Map<String, Long> bytes = new LinkedHashMap<>();
    long totalBytes = 0;
    int documents = 0;
    for (Map.Entry<String, List<String>> e : bySource.entrySet()) {
      long b = e.getValue().stream().mapToLong(t -> t.getBytes(StandardCharsets.UTF_8).length).sum();
      bytes.put(e.getKey(), b);
      totalBytes += b;
      documents += e.getValue().size();
    }
    System.out.printf("text: %d documents, %.1f MB, %d sources from %s; %d timed rounds after 2 warm-up;"
        + " java %s, 1 thread%n", documents, totalBytes / 1e6, bySource.size(), root, rounds,
        System.getProperty("java.version"));

    PiiRedactor redactor = PiiRedactor.standard();
    Map<String, int[]> counts = new TreeMap<>();
    for (int i = 0; i < 2; i++) {
      for (Map.Entry<String, List<String>> e : bySource.entrySet()) {
        counts.put(e.getKey(), redactAll(redactor, e.getValue()));
      }
    }
    Map<String, double[]> seconds = new LinkedHashMap<>();
    bySource.keySet().forEach(s -> seconds.put(s, new double[0]));
    double[] total = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      for (Map.Entry<String, List<String>> e : bySource.entrySet()) {
        long t0 = System.nanoTime();
        redactAll(redactor, e.getValue());
        double s = (System.nanoTime() - t0) / 1e9;
        double[] previous = seconds.get(e.getKey());
        double[] next = Arrays.copyOf(previous, previous.length + 1);
        next[previous.length] = s;
        seconds.put(e.getKey(), next);
        total[r] += s;
      }
    }
    System.out.printf("%-16s %8s %9s %7s %6s %6s %6s %7s%n", "source", "MB", "MB/s", "docs", "email", "ipv4",
        "ipv6", "phone");
    int[] sum = new int[4];
    for (Map.Entry<String, List<String>> e : bySource.entrySet()) {
      String source = e.getKey();
      int[] c = counts.get(source);
      for (int k = 0; k < 4; k++) {
        sum[k] += c[k];
      }
      System.out.printf("%-16s %8.1f %9.1f %7d %6d %6d %6d %7d%n", source, bytes.get(source) / 1e6,
          bytes.get(source) / 1e6 / median(seconds.get(source)), e.getValue().size(), c[0], c[1], c[2], c[3]);
    }
    System.out.printf("%-16s %8.1f %9.1f %7d %6d %6d %6d %7d%n", "all", totalBytes / 1e6,
        totalBytes / 1e6 / median(total), documents, sum[0], sum[1], sum[2], sum[3]);
    System.out.printf("rounds (s): %s%n",
        Arrays.toString(Arrays.stream(total).map(s -> Math.round(s * 1000) / 1000.0).toArray()));
  }

  /** Redacts every text; returns the counts per kind (emails, ipv4, ipv6, phones). */
  private static int[] redactAll(PiiRedactor redactor, List<String> texts) {
    int[] c = new int[4];
    for (String text : texts) {
      PiiRedactor.Result r = redactor.redact(text);
      c[0] += r.emails();
      c[1] += r.ipv4();
      c[2] += r.ipv6();
      c[3] += r.phones();
    }
    return c;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  /** The "text" of every record, grouped by "source" (or the file's directory name when absent). */
  private static Map<String, List<String>> load(Path root) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.walk(root)) {
      files = s.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList();
    }
    if (files.isEmpty()) {
      throw new IllegalArgumentException("no .jsonl files under " + root);
    }
    ObjectMapper json = new ObjectMapper();
    Map<String, List<String>> bySource = new TreeMap<>();
    for (Path file : files) {
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
          String name = source != null && source.isTextual() ? source.asText()
              : String.valueOf(file.getParent().getFileName());
          bySource.computeIfAbsent(name, k -> new ArrayList<>()).add(text.asText());
        }
      }
    }
    return bySource;
  }
}
