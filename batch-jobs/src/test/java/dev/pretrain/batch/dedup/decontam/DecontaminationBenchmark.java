package dev.pretrain.batch.dedup.decontam;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.batch.dedup.decontam.DecontaminationIndex.Overlap;
import dev.pretrain.batch.dedup.near.Shingler;
import dev.pretrain.batch.tokenize.Split;
import dev.pretrain.batch.tokenize.SplitRule;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The decontamination index on a real corpus split as the tokenize step splits it ({@link SplitRule}):
 * the validation documents are indexed, every training document is checked. Prints the index's size
 * and build time, the checking speed (MB/s of training text per core, one thread, median of the
 * rounds, texts in memory), and how many training documents a minimum overlap of 1, 2, 3, 5, ... shared
 * n-grams would flag, per source, with examples of the documents flagged on fewer n-grams than the
 * default (which n-grams they share).
 *
 * <p>Args: {@code --corpus DIR [--val-fraction F] [--held-out SRC,SRC] [--n N] [--rounds R] [--examples K]};
 * DIR holds JSONL files (id, text, source) searched recursively; a document's source is its
 * {@code source} field, else its folder. Run from the repository root.
 */
public final class DecontaminationBenchmark {

  private static final int[] MIN_OVERLAPS = {1, 2, 3, 5, 10, 20, 50, 100};

  public static void main(String[] args) throws Exception {
    Path corpus = null;
    double valFraction = 0.01;
    List<String> heldOut = List.of();
    int n = DecontaminationIndex.DEFAULT_N;
    int rounds = 5;
    int examples = 10;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--corpus" -> corpus = Path.of(args[++i]);
        case "--val-fraction" -> valFraction = Double.parseDouble(args[++i]);
        case "--held-out" -> heldOut = Arrays.stream(args[++i].split(",")).filter(s -> !s.isBlank()).toList();
        case "--n" -> n = Integer.parseInt(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--examples" -> examples = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (corpus == null) {
      throw new IllegalArgumentException("--corpus DIR is required");
    }
    SplitRule rule = new SplitRule(valFraction, heldOut);
    List<String[]> train = new ArrayList<>(); // id, source, text
    List<String[]> val = new ArrayList<>();
    long trainBytes = 0;
    ObjectMapper json = new ObjectMapper();
    try (Stream<Path> files = Files.walk(corpus)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) {
        String folder = f.getParent().getFileName().toString();
        try (BufferedReader in = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
          for (String line = in.readLine(); line != null; line = in.readLine()) {
            JsonNode doc = json.readTree(line);
            String source = doc.path("source").asText(folder);
            String id = doc.path("id").asText(source + "#" + (train.size() + val.size()));
            String text = doc.path("text").asText("");
            if (rule.of(id, source) == Split.VAL) {
              val.add(new String[] {id, source, text});
            } else {
              train.add(new String[] {id, source, text});
              trainBytes += text.getBytes(StandardCharsets.UTF_8).length;
            }
          }
        }
      }
    }
    System.out.printf(Locale.ROOT, "%s: valFraction %s, held out %s: %,d validation documents, %,d training documents "
        + "(%.1f MB of text); %d-grams%n", corpus, valFraction, heldOut, val.size(), train.size(), trainBytes / 1e6, n);

    long t0 = System.nanoTime();
    DecontaminationIndex.Builder builder = DecontaminationIndex.builder(n);
    for (String[] d : val) {
      builder.add(d[0], d[2]);
    }
    DecontaminationIndex built = builder.build();
    long t1 = System.nanoTime();
    byte[] bytes = built.toBytes();
    long t2 = System.nanoTime();
    DecontaminationIndex index = DecontaminationIndex.readFrom(new BufferedInputStream(new ByteArrayInputStream(bytes)));
    long t3 = System.nanoTime();
    System.out.printf(Locale.ROOT, "index: %,d distinct n-grams from %,d documents, %,d bytes serialized; built in %.0f ms, "
        + "written in %.0f ms, read in %.0f ms%n", index.distinctNgrams(), index.evalDocuments(), bytes.length,
        (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6);

    Shingler shingler = new Shingler(n);
    double[] hashing = new double[rounds];
    double[] speed = new double[rounds];
    long sink = 0;
    for (int r = -1; r < rounds; r++) { // round -1 warms the JIT up
      long s0 = System.nanoTime();
      for (String[] d : train) {
        sink += shingler.ngramHashes(d[2]).length;
      }
      long s1 = System.nanoTime();
      for (String[] d : train) {
        sink += index.check(d[2], 1).map(Overlap::sharedNgrams).orElse(0);
      }
      long s2 = System.nanoTime();
      if (r >= 0) {
        hashing[r] = trainBytes / 1e6 / ((s1 - s0) / 1e9);
        speed[r] = trainBytes / 1e6 / ((s2 - s1) / 1e9);
      }
    }
    Arrays.sort(hashing);
    Arrays.sort(speed);
    System.out.printf(Locale.ROOT, "training text, one thread, median of %d rounds (min .. max):%n", rounds);
    System.out.printf(Locale.ROOT, "  n-gram hashes only            %6.1f MB/s per core (%.1f .. %.1f)%n",
        hashing[rounds / 2], hashing[0], hashing[rounds - 1]);
    System.out.printf(Locale.ROOT, "  check (hashes + index)        %6.1f MB/s per core (%.1f .. %.1f; check %d)%n%n",
        speed[rounds / 2], speed[0], speed[rounds - 1], sink & 0xFF);

    Map<String, long[]> bySource = new TreeMap<>(); // documents, then flagged at each minimum overlap
    List<Object[]> flagged = new ArrayList<>(); // document, overlap
    for (String[] d : train) {
      long[] c = bySource.computeIfAbsent(d[1], s -> new long[1 + MIN_OVERLAPS.length]);
      c[0]++;
      Optional<Overlap> o = index.check(d[2], 1);
      if (o.isPresent()) {
        flagged.add(new Object[] {d, o.get()});
        for (int m = 0; m < MIN_OVERLAPS.length; m++) {
          if (o.get().sharedNgrams() >= MIN_OVERLAPS[m]) {
            c[1 + m]++;
          }
        }
      }
    }
    long[] total = new long[1 + MIN_OVERLAPS.length];
    bySource.values().forEach(c -> Arrays.setAll(total, i -> total[i] + c[i]));
    StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "training documents flagged, by minimum "
        + "shared %d-grams with one validation document%n  %-16s %7s", n, "source", "docs"));
    for (int m : MIN_OVERLAPS) {
      header.append(String.format(Locale.ROOT, " %7s", ">=" + m));
    }
    System.out.println(header);
    bySource.forEach((source, c) -> System.out.println(row(source, c)));
    System.out.println(row("all", total));
    StringBuilder fractions = new StringBuilder(String.format(Locale.ROOT, "  %-16s %7s", "fraction", ""));
    for (int m = 0; m < MIN_OVERLAPS.length; m++) {
      fractions.append(String.format(Locale.ROOT, " %6.2f%%", 100.0 * total[1 + m] / total[0]));
    }
    System.out.println(fractions);

    System.out.printf(Locale.ROOT, "%nflagged below the default minimum (%d): what they share%n",
        DecontaminationIndex.DEFAULT_MIN_OVERLAP);
    int shown = 0;
    for (Object[] f : flagged) {
      String[] d = (String[]) f[0];
      Overlap o = (Overlap) f[1];
      if (o.sharedNgrams() >= DecontaminationIndex.DEFAULT_MIN_OVERLAP || shown++ >= examples) {
        continue;
      }
      System.out.printf(Locale.ROOT, "  %s -> %s: \"%s\"%n", d[0], o.evalDocId(), sharedText(index, d[2]));
    }
    System.out.printf(Locale.ROOT, "%nflagged at or above the default minimum, the most shared first%n");
    flagged.sort((a, b) -> Integer.compare(((Overlap) b[1]).sharedNgrams(), ((Overlap) a[1]).sharedNgrams()));
    shown = 0;
    for (Object[] f : flagged) {
      Overlap o = (Overlap) f[1];
      if (o.sharedNgrams() >= DecontaminationIndex.DEFAULT_MIN_OVERLAP && shown++ < examples) {
        System.out.printf(Locale.ROOT, "  %s -> %s: %,d shared (%,d with any; of %,d)%n", ((String[]) f[0])[0],
            o.evalDocId(), o.sharedNgrams(), o.sharedNgramsAny(), o.textNgrams());
      }
    }
  }

  private static String row(String label, long[] c) {
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "  %-16s %,7d", label, c[0]));
    for (int m = 0; m < MIN_OVERLAPS.length; m++) {
      sb.append(String.format(Locale.ROOT, " %,7d", c[1 + m]));
    }
    return sb.toString();
  }

  private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{Nd}]+");

  /** The first window of n words (as the text spells them) the index knows, for display. */
  private static String sharedText(DecontaminationIndex index, String text) {
    List<int[]> spans = new ArrayList<>();
    Matcher m = WORD.matcher(text);
    while (m.find()) {
      spans.add(new int[] {m.start(), m.end()});
    }
    for (int i = 0; i + index.n() <= spans.size(); i++) {
      String window = text.substring(spans.get(i)[0], spans.get(i + index.n() - 1)[1]);
      if (index.check(window, 1).isPresent()) {
        return window.replaceAll("\\s+", " ");
      }
    }
    return "?";
  }
}
