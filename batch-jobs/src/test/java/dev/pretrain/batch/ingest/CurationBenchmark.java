package dev.pretrain.batch.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.batch.BatchJobRunner;
import dev.pretrain.batch.curate.CurationSettings;
import dev.pretrain.batch.curate.DocumentCurator;
import dev.pretrain.batch.curate.language.LanguageIdentifier;
import dev.pretrain.batch.curate.pii.PiiRedactor;
import dev.pretrain.batch.curate.quality.QualityFilters;
import dev.pretrain.batch.testing.S3ProxyFixture;
import dev.pretrain.db.Database;
import dev.pretrain.db.storage.ObjectStore;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.commons.io.file.PathUtils;

/**
 * Prints throughput figures of the curation chain (not a test), per stage and end to end, at 1 and 2
 * threads, beside HuggingFace datatrove on the same corpus in the same run.
 *
 * <ul>
 *   <li>stages, in memory, each over every document: {@code validate} (strict UTF-8 decode, JSON parse,
 *       checks, NFC, SHA-256: the ingest processor), {@code filters} (Gopher quality + repetition, C4,
 *       FineWeb), {@code language} (language ID), {@code pii} (redaction), {@code write} (the shard's
 *       JSON line); {@code chain}: all of them per document;
 *   <li>{@code end to end}: the real ingest job with curation, reading the corpus from an S3 API over
 *       HTTP (S3Proxy, in this JVM) and writing shards back to it, recording documents and decisions in
 *       H2; 2 threads run 2 partitions at once, as the worker does;
 *   <li>{@code datatrove}: batch-jobs/src/test/python/datatrove_curation.py (its own venv under
 *       target/), Gopher repetition + quality, C4, FineWeb and its PII formatter, 1 and 2 workers.
 * </ul>
 * MB/s counts 10^6 bytes of the documents' UTF-8 text; "per core" divides by the thread count.
 * Stage figures are medians of the rounds after one warm-up round.
 *
 * <p>Args: {@code --corpus DIR [--rounds N] [--e2e-rounds N] [--threads 1,2] [--docs-sources a,b]
 * [--e2e-only | --stages-only] [--no-reference]}; DIR holds JSONL files (searched recursively), e.g. the demo corpus as
 * {@code ./pretrain corpus fetch --spec demo} leaves it under the data directory.
 */
public final class CurationBenchmark {

  private static final JsonFactory JSON = new JsonFactory();
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** The demo corpus's documentation sources (its corpus entries declare content: docs). */
  private static final Set<String> DEMO_DOCS = Set.of("linux-doc-6.1", "linux-doc-6.12", "python3.11-doc", "perl-doc");

  private record Doc(String source, String language, String text, long bytes) {}

  public static void main(String[] args) throws Exception {
    Path corpus = null;
    int rounds = 3;
    int e2eRounds = 3;
    int[] threads = {1, 2};
    Set<String> docsSources = DEMO_DOCS;
    boolean reference = true;
    boolean stagesToo = true;
    boolean e2eToo = true;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--corpus" -> corpus = Path.of(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--e2e-rounds" -> e2eRounds = Integer.parseInt(args[++i]);
        case "--threads" -> threads = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
        case "--docs-sources" -> docsSources = Set.of(args[++i].split(","));
        case "--no-reference" -> reference = false;
        case "--e2e-only" -> stagesToo = false;
        case "--stages-only" -> e2eToo = false;
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (corpus == null) {
      throw new IllegalArgumentException("--corpus DIR (JSONL files) is required");
    }
    List<Path> files;
    try (Stream<Path> s = Files.walk(corpus)) {
      files = s.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList();
    }
    List<byte[]> lines = readLines(files);
    IngestRecordProcessor validator = new IngestRecordProcessor("unknown");
    List<Doc> docs = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      IngestOutcome o = validator.process(RawRecord.data("file:///bench.jsonl", InputFormat.JSONL, i + 1, 0,
          lines.get(i)));
      if (o instanceof IngestOutcome.Kept k) {
        docs.add(new Doc(k.source(), k.language(), k.text(), k.text().getBytes(StandardCharsets.UTF_8).length));
      }
    }
    long textBytes = docs.stream().mapToLong(Doc::bytes).sum();
    long fileBytes = 0;
    for (Path f : files) {
      fileBytes += Files.size(f);
    }
    System.out.printf(Locale.ROOT, "corpus: %d files, %d records, %d documents, %.1f MB of text (%.1f MB of JSONL)%n",
        files.size(), lines.size(), docs.size(), textBytes / 1e6, fileBytes / 1e6);
    System.out.printf(Locale.ROOT, "cores available: %d%n", Runtime.getRuntime().availableProcessors());

    CurationSettings settings = new CurationSettings(true, true, true, 0.65, List.of(), docsSources);
    DocumentCurator curator = new DocumentCurator(settings, s -> null);
    QualityFilters prose = QualityFilters.prose();
    QualityFilters docsRules = QualityFilters.docs();
    LanguageIdentifier language = LanguageIdentifier.shared();
    PiiRedactor pii = PiiRedactor.standard();

    Map<String, Consumer<Doc>> stages = new LinkedHashMap<>();
    stages.put("validate", d -> validator.process(RawRecord.data("file:///b.jsonl", InputFormat.JSONL, 1, 0,
        jsonLine(d))));
    stages.put("filters", d -> (curator.usesDocsRules(d.source()) ? docsRules : prose).apply(d.text()));
    stages.put("language", d -> language.detect(d.text()));
    stages.put("pii", d -> pii.redact(d.text()));
    stages.put("write", CurationBenchmark::jsonLine);
    stages.put("chain", d -> {
      // what ingest does per record short of S3 and the database, in one pass
      IngestRecordProcessor v = new IngestRecordProcessor("unknown");
      if (v.process(RawRecord.data("file:///b.jsonl", InputFormat.JSONL, 1, 0, jsonLine(d)))
          instanceof IngestOutcome.Kept k) {
        DocumentCurator.Result r = curator.curate(k.source(), k.language(), k.text());
        jsonLine(new Doc(k.source(), k.language(), r.text(), 0));
      }
    });

    Map<String, Map<Integer, Double>> ours = new LinkedHashMap<>();
    System.out.printf(Locale.ROOT, "%nstage (in memory)      threads  MB/s total  MB/s per core   (median of %d)%n",
        rounds);
    for (Map.Entry<String, Consumer<Doc>> stage : stages.entrySet()) {
      for (int t : stagesToo ? threads : new int[0]) {
        double mbps = median(timeRounds(docs, stage.getValue(), t, rounds, textBytes));
        ours.computeIfAbsent(stage.getKey(), k -> new LinkedHashMap<>()).put(t, mbps / t);
        System.out.printf(Locale.ROOT, "  %-20s %8d %11.1f %14.1f%n", stage.getKey(), t, mbps, mbps / t);
      }
    }

    System.out.printf(Locale.ROOT, "%nend to end: ingest job with curation, S3 API over HTTP, H2  (median of %d)%n",
        e2eRounds);
    Map<Integer, Double> e2e = e2eToo ? endToEnd(files, textBytes, threads, e2eRounds, settings) : Map.of();

    if (!reference) {
      return;
    }
    System.out.printf(Locale.ROOT, "%nreference: datatrove (batch-jobs/src/test/python/datatrove_curation.py)%n");
    JsonNode dt = runDatatrove(corpus, threads);
    if (dt == null) {
      System.out.println("  datatrove did not run (see its output above)");
      return;
    }
    System.out.printf(Locale.ROOT, "%n%-44s %8s %14s %14s %8s%n", "same stages, same corpus", "threads",
        "ours MB/s/core", "datatrove", "ratio");
    for (JsonNode run : dt.path("runs")) {
      int t = run.path("workers").asInt();
      double theirs = run.path("mb_per_s_per_core").asDouble();
      Double e = e2e.get(t);
      if (e != null) {
        System.out.printf(Locale.ROOT, "%-44s %8d %14.2f %14.2f %7.1fx%n", "end to end (ours: + language ID, S3, DB)",
            t, e, theirs, e / theirs);
      }
      double dtFilters = 0;
      double dtPii = 0;
      double dtPiiChars = 0;
      for (Map.Entry<String, JsonNode> st : iterable(run.path("stages"))) {
        double s = st.getValue().path("s").asDouble();
        String name = st.getKey().toLowerCase(Locale.ROOT);
        if (name.contains("pii")) {
          dtPii += s;
          dtPiiChars += st.getValue().path("chars_in").asDouble();
        } else if (!name.matches(".*(read|writ).*")) {
          dtFilters += s;
        }
      }
      double dtTextMb = dt.path("input_bytes").asDouble(textBytes) / 1e6;
      // datatrove's per-step seconds are summed over its tasks: MB per CPU-second is MB/s per core. Its
      // filters run as a cascade over every document (each stops at the first failing rule), like ours.
      if (dtFilters > 0 && ours.containsKey("filters") && ours.get("filters").containsKey(t)) {
        double theirsPerCore = dtTextMb / dtFilters;
        System.out.printf(Locale.ROOT, "%-44s %8d %14.2f %14.2f %7.1fx%n", "quality filters (Gopher x2, C4, FineWeb)", t,
            ours.get("filters").get(t), theirsPerCore, ours.get("filters").get(t) / theirsPerCore);
      }
      // its PII step sees only what its filters kept: its rate is over the characters that reached it
      if (dtPii > 0 && dtPiiChars > 0 && ours.containsKey("pii") && ours.get("pii").containsKey(t)) {
        double theirsPerCore = dtPiiChars / 1e6 / dtPii;
        System.out.printf(Locale.ROOT, "%-44s %8d %14.2f %14.2f %7.1fx%n", "PII (datatrove: over the text reaching it)",
            t, ours.get("pii").get(t), theirsPerCore, ours.get("pii").get(t) / theirsPerCore);
      }
    }
  }

  private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode node) {
    return node::fields;
  }

  private static List<byte[]> readLines(List<Path> files) throws IOException {
    List<byte[]> lines = new ArrayList<>();
    for (Path f : files) {
      try (BufferedReader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
        for (String l; (l = r.readLine()) != null; ) {
          if (!l.isBlank()) {
            lines.add(l.getBytes(StandardCharsets.UTF_8));
          }
        }
      }
    }
    return lines;
  }

  private static byte[] jsonLine(Doc d) {
    ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 64, d.text().length() + 64L));
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("text", d.text());
      g.writeStringField("source", d.source());
      g.writeStringField("language", d.language());
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** MB/s (all threads together) of each round after a warm-up round. */
  private static double[] timeRounds(List<Doc> docs, Consumer<Doc> stage, int threads, int rounds, long bytes)
      throws Exception {
    double[] mbps = new double[rounds];
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int r = -1; r < rounds; r++) {
        long t0 = System.nanoTime();
        List<Future<?>> parts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int first = t;
          parts.add(pool.submit(() -> {
            for (int i = first; i < docs.size(); i += threads) { // interleaved: both threads get every source
              stage.accept(docs.get(i));
            }
          }));
        }
        for (Future<?> f : parts) {
          f.get();
        }
        if (r >= 0) {
          mbps[r] = bytes / 1e6 / ((System.nanoTime() - t0) / 1e9);
        }
      }
    } finally {
      pool.shutdownNow();
    }
    return mbps;
  }

  /** The real ingest job with curation over the corpus in S3; returns MB/s per core per thread count. */
  private static Map<Integer, Double> endToEnd(List<Path> files, long textBytes, int[] threads, int rounds,
      CurationSettings settings) throws Exception {
    Map<Integer, Double> perCore = new LinkedHashMap<>();
    Path tmp = Files.createTempDirectory("curation-bench");
    try (S3ProxyFixture s3 = S3ProxyFixture.start(tmp.resolve("s3"));
        Database db = Database.open("jdbc:h2:mem:" + UUID.randomUUID()
            + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DB_CLOSE_DELAY=-1", "sa", "")) {
      ObjectStore store = s3.objectStore();
      store.ensureBucket("corpus");
      store.ensureBucket("pretrain");
      List<IngestJob.Input> inputs = new ArrayList<>();
      for (Path f : files) {
        String key = "bench/" + f.getParent().getFileName() + "/" + f.getFileName();
        store.putFile("corpus", key, f, "application/x-ndjson");
        inputs.add(new IngestJob.Input("s3://corpus/" + key, Files.size(f)));
      }
      try (BatchJobRunner runner = new BatchJobRunner(db, store, Files.createDirectories(tmp.resolve("work")),
          IngestJobConfig.class)) {
        int run = 0;
        for (int t : threads) {
          List<List<IngestJob.Input>> parts = balanced(inputs, t);
          double[] mbps = new double[rounds];
          for (int r = -1; r < rounds; r++) {
            String runId = "bench-" + (run++);
            ExecutorService pool = Executors.newFixedThreadPool(t);
            long t0 = System.nanoTime();
            List<Future<IngestJob.Result>> results = new ArrayList<>();
            for (int p = 0; p < parts.size(); p++) {
              IngestJob.Request req = new IngestJob.Request(runId, p, 1, "pretrain", parts.get(p), 16L << 20, "US",
                  IngestJob.DEFAULT_MAX_RECORD_BYTES, false, settings);
              results.add(pool.submit(() -> IngestJob.run(runner, req, null)));
            }
            long kept = 0;
            long filtered = 0;
            for (Future<IngestJob.Result> f : results) {
              kept += f.get().kept();
              filtered += f.get().filtered();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            pool.shutdown();
            if (r >= 0) {
              mbps[r] = textBytes / 1e6 / seconds;
            }
            System.out.printf(Locale.ROOT, "  %s threads %d: %.1f s, %.1f MB/s, %.1f MB/s per core (kept %d, filtered %d)%s%n",
                runId, t, seconds, textBytes / 1e6 / seconds, textBytes / 1e6 / seconds / t, kept, filtered,
                r < 0 ? "  [warm-up]" : "");
          }
          double m = median(mbps);
          perCore.put(t, m / t);
          System.out.printf(Locale.ROOT, "  end to end %d thread(s): median %.1f MB/s, %.1f MB/s per core%n", t, m, m / t);
        }
      }
    } finally {
      PathUtils.deleteDirectory(tmp);
    }
    return perCore;
  }

  /** Files in {@code n} groups of about equal size (largest first into the lightest group). */
  private static List<List<IngestJob.Input>> balanced(List<IngestJob.Input> inputs, int n) {
    List<List<IngestJob.Input>> groups = new ArrayList<>();
    long[] sizes = new long[n];
    for (int i = 0; i < n; i++) {
      groups.add(new ArrayList<>());
    }
    inputs.stream().sorted((a, b) -> Long.compare(b.sizeBytes(), a.sizeBytes())).forEach(in -> {
      int lightest = 0;
      for (int i = 1; i < n; i++) {
        if (sizes[i] < sizes[lightest]) {
          lightest = i;
        }
      }
      groups.get(lightest).add(in);
      sizes[lightest] += in.sizeBytes();
    });
    return groups;
  }

  /** Runs the datatrove reference script; its last stdout line is its JSON result. */
  private static JsonNode runDatatrove(Path corpus, int[] threads) throws Exception {
    Path script = Path.of("batch-jobs/src/test/python/datatrove_curation.py");
    if (!Files.exists(script)) {
      script = Path.of("src/test/python/datatrove_curation.py");
    }
    List<String> cmd = new ArrayList<>(List.of("python3", script.toString(), corpus.toString(), "--workers",
        String.join(",", Arrays.stream(threads).mapToObj(Integer::toString).toList())));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String last = null;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String l; (l = r.readLine()) != null; ) {
        System.out.println("  | " + l);
        if (l.startsWith("{")) {
          last = l;
        }
      }
    }
    return p.waitFor() != 0 || last == null ? null : MAPPER.readTree(last);
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
