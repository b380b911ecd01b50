package dev.pretrain.ops.corpus;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pretrain.db.Database;
import dev.pretrain.db.storage.ObjectStore;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.commons.io.file.PathUtils;

/**
 * A synthetic corpus of short English documents with planted exact and near-duplicates, for measuring
 * deduplication at scale ({@code pretrain corpus synth}). Written as {@code corpus fetch} writes a
 * corpus: {@code <root>/<source>/part-NNN.jsonl} (the ingest record format of {@link CorpusDocument}),
 * {@code <root>/manifest.json}; and beside them {@code <root>/ground-truth.jsonl} (one line per planted
 * copy: the document, the original it copies, the edit and its size) and {@code <root>/synth.json}
 * (parameters and counts).
 *
 * <p>Everything about document {@code i} is a function of the seed and {@code i} alone: whether it is
 * an original, an exact copy or an edited copy; which earlier original it copies (any earlier one,
 * uniformly); its text. An original's text is generated again whenever a copy needs it, so nothing is
 * held in memory and a corpus of fewer documents (same seed, fractions and sources) is a prefix of a
 * larger one, document for document. Documents go to sources round robin ({@code i mod K}).
 */
public final class SyntheticCorpus {

  /** Bump when the texts, edits or layout change (the vocabulary file included): ids and checksums change. */
  public static final int GENERATOR_VERSION = 2;
  public static final String REGISTRY = "synthetic";
  public static final String PACKAGE = "corpus-synth";
  public static final String LICENSE = "CC0-1.0";
  public static final String LANGUAGE = "en";
  public static final String GROUND_TRUTH = "ground-truth.jsonl";
  public static final String SUMMARY = "synth.json";
  static final List<String> JURISDICTIONS = List.of("US", "DE", "FR", "GB", "JP", "CA", "BR", "IN", "AU", "NL");
  /** How many draws among earlier documents look for an original before taking document 0. */
  private static final int ORIGIN_TRIES = 64;

  private static final long SALT_KIND = 0x6b696e64L;
  private static final long SALT_TEXT = 0x74657874L;
  private static final long SALT_EDIT = 0x65646974L;

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final JsonFactory JSON_FACTORY = new JsonFactory();

  /**
   * @param docs          documents to write
   * @param seed          everything follows from it
   * @param nearFraction  share of documents that are edited copies of an earlier original
   * @param exactFraction share of documents that are exact copies of an earlier original
   * @param sources       sources (K), each with its own id, jurisdiction and JSONL parts
   * @param partBytes     JSONL part size
   */
  public record Params(long docs, long seed, double nearFraction, double exactFraction, int sources, long partBytes) {
    public Params {
      if (docs < 1) {
        throw new IllegalArgumentException("--docs must be at least 1");
      }
      if (!(nearFraction >= 0 && exactFraction >= 0 && nearFraction + exactFraction <= 0.9)) {
        throw new IllegalArgumentException("--near-fraction and --exact-fraction must be >= 0 and sum to at most 0.9"
            + " (got " + nearFraction + " and " + exactFraction + ")");
      }
      if (sources < 1 || sources > 99) {
        throw new IllegalArgumentException("--sources must be 1 to 99 (got " + sources + ")");
      }
      if (partBytes < 1024) {
        throw new IllegalArgumentException("part size must be at least 1024 bytes");
      }
    }

    public static Params of(long docs, long seed, double nearFraction, double exactFraction, int sources) {
      return new Params(docs, seed, nearFraction, exactFraction, sources, CorpusSpec.DEFAULT_PART_BYTES);
    }

    /**
     * Eight hex digits of what decides the texts (generator version, seed, fractions, sources; not the
     * document count): part of every document id, so that corpora of other parameters never share an
     * id with different text.
     */
    public String tag() {
      String s = String.format(Locale.ROOT, "g%d|%d|%s|%s|%d", GENERATOR_VERSION, seed, nearFraction, exactFraction,
          sources);
      return Hashes.sha256(s.getBytes(StandardCharsets.UTF_8)).substring(0, 8);
    }
  }

  /** What a generation wrote. */
  public record Result(Path root, Params params, long docs, long originals, long exact, Map<String, Long> near,
      long textBytes, long jsonlBytes, int parts, List<CorpusManifest.SourceEntry> sources, long millis) {

    public long nearTotal() {
      return near.values().stream().mapToLong(Long::longValue).sum();
    }

    public Path groundTruth() {
      return root.resolve(GROUND_TRUTH);
    }
  }

  enum Kind { ORIGINAL, EXACT, NEAR }

  private final Params params;
  private final SyntheticText text;
  private final double exactBelow;
  private final double nearBelow;

  public SyntheticCorpus(Params params) {
    this.params = params;
    this.text = SyntheticText.standard();
    this.exactBelow = params.exactFraction();
    this.nearBelow = params.exactFraction() + params.nearFraction();
  }

  public static String sourceId(int k) {
    return String.format(Locale.ROOT, "synth-%02d", k);
  }

  String docId(long i) {
    return String.format(Locale.ROOT, "%s:%s-%09d", sourceId((int) (i % params.sources())), params.tag(), i);
  }

  /** Whether document i is an original, an exact copy or an edited copy (document 0 is an original). */
  Kind kind(long i) {
    if (i == 0) {
      return Kind.ORIGINAL;
    }
    double u = (mix(params.seed(), i, SALT_KIND) >>> 11) * 0x1.0p-53;
    return u < exactBelow ? Kind.EXACT : u < nearBelow ? Kind.NEAR : Kind.ORIGINAL;
  }

  /** The text of original document j. */
  String original(long j) {
    return text.document(new SplittableRandom(mix(params.seed(), j, SALT_TEXT)));
  }

  /** Writes the corpus under {@code root} (created; an earlier synthetic corpus there is replaced). */
  public Result generate(Path root, Consumer<String> log) {
    Consumer<String> say = log == null ? s -> { } : log;
    long t0 = System.nanoTime();
    try {
      prepare(root);
      int k = params.sources();
      JsonlParts[] outs = new JsonlParts[k];
      long[] docs = new long[k];
      long[] textBytes = new long[k];
      for (int s = 0; s < k; s++) {
        outs[s] = new JsonlParts(root.resolve("." + sourceId(s) + ".tmp"), params.partBytes());
      }
      Path truthTmp = root.resolve("." + GROUND_TRUTH + ".tmp");
      long originals = 0;
      long exact = 0;
      Map<String, Long> near = new LinkedHashMap<>();
      SyntheticEdits.NEAR_EDITS.forEach(e -> near.put(e, 0L));
      String version = GENERATOR_VERSION + "+" + params.tag();
      long step = Math.max(100_000, params.docs() / 10); // progress lines
      try (OutputStream truthOut = new BufferedOutputStream(Files.newOutputStream(truthTmp), 1 << 16);
           JsonGenerator truth = JSON_FACTORY.createGenerator(truthOut)) {
        truth.setRootValueSeparator(new SerializedString("\n"));
        for (long i = 0; i < params.docs(); i++) {
          Kind kind = kind(i);
          String body;
          if (kind == Kind.ORIGINAL) {
            body = original(i);
            originals++;
          } else {
            SplittableRandom r = new SplittableRandom(mix(params.seed(), i, SALT_EDIT));
            long j = origin(i, r);
            String source = original(j);
            SyntheticEdits.Edited e = kind == Kind.EXACT
                ? new SyntheticEdits.Edited(source, SyntheticEdits.EXACT, 0, "exact copy")
                : SyntheticEdits.apply(SyntheticEdits.NEAR_EDITS.get(r.nextInt(SyntheticEdits.NEAR_EDITS.size())),
                    source, r, text);
            body = e.text();
            if (kind == Kind.EXACT) {
              exact++;
            } else {
              near.merge(e.edit(), 1L, Long::sum);
            }
            truth.writeStartObject();
            truth.writeStringField("doc", docId(i));
            truth.writeStringField("of", docId(j));
            truth.writeStringField("edit", e.edit());
            truth.writeNumberField("size", e.size());
            truth.writeNumberField("words", SyntheticText.countWords(source));
            truth.writeStringField("detail", e.detail());
            truth.writeEndObject();
          }
          int s = (int) (i % k);
          String sid = sourceId(s);
          outs[s].add(new CorpusDocument(docId(i), body, sid, version, String.format(Locale.ROOT, "doc-%09d", i),
              LICENSE, LANGUAGE, JURISDICTIONS.get(s % JURISDICTIONS.size())));
          docs[s]++;
          textBytes[s] += body.length(); // ASCII: characters are bytes
          if ((i + 1) % step == 0 && i + 1 < params.docs()) {
            say.accept(String.format(Locale.ROOT, "  %,d of %,d documents (%.1f s)", i + 1, params.docs(),
                (System.nanoTime() - t0) / 1e9));
          }
        }
        truth.flush();
        if (exact + near.values().stream().mapToLong(Long::longValue).sum() > 0) {
          truthOut.write('\n');
        }
      }
      Files.move(truthTmp, root.resolve(GROUND_TRUTH), StandardCopyOption.REPLACE_EXISTING);
      List<CorpusManifest.SourceEntry> entries = new ArrayList<>();
      long jsonl = 0;
      int parts = 0;
      String now = Instant.now().toString();
      for (int s = 0; s < k; s++) {
        List<JsonlParts.Part> p;
        try (JsonlParts out = outs[s]) {
          p = out.finish();
        }
        Path target = root.resolve(sourceId(s));
        PathUtils.delete(target);
        Files.move(root.resolve("." + sourceId(s) + ".tmp"), target);
        StringBuilder digests = new StringBuilder();
        p.forEach(x -> digests.append(x.file()).append(' ').append(x.sha256()).append('\n'));
        CorpusManifest.SourceEntry e = new CorpusManifest.SourceEntry(sourceId(s), specHash(), REGISTRY, PACKAGE,
            version, "sha256", Hashes.sha256(digests.toString().getBytes(StandardCharsets.UTF_8)),
            JURISDICTIONS.get(s % JURISDICTIONS.size()), LANGUAGE, Map.of(LICENSE, docs[s]), 0, 0, 0, Map.of(), Map.of(),
            Map.of("generated by corpus synth (no package; checksum: SHA-256 of the parts' names and digests)",
                docs[s]), docs[s], textBytes[s], p, now);
        entries.add(e);
        jsonl += e.jsonlBytes();
        parts += p.size();
      }
      new CorpusManifest(CorpusFetcher.FORMAT_VERSION, root.getFileName().toString(), entries)
          .write(root.resolve("manifest.json"));
      long millis = (System.nanoTime() - t0) / 1_000_000;
      long text = 0;
      for (long b : textBytes) {
        text += b;
      }
      Result result = new Result(root, params, params.docs(), originals, exact, Map.copyOf(near), text, jsonl, parts,
          List.copyOf(entries), millis);
      writeSummary(result);
      return result;
    } catch (IOException e) {
      throw new UncheckedIOException("synthetic corpus under " + root + ": " + e.getMessage(), e);
    }
  }

  /**
   * Generates the corpus under {@code <dataDir>/corpus/<name>/}, then puts its parts at
   * {@code s3://bucket/<name>/<source>/part-NNN.jsonl} (those S3 already holds with the same digest are
   * skipped) and records them as {@code corpus fetch} does: artifacts and sources rows.
   *
   * @return the generation result and the S3 URIs of the parts
   */
  public Published publish(Path dataDir, String name, ObjectStore store, Database db, String bucket,
      Consumer<String> log) {
    Consumer<String> say = log == null ? s -> { } : log;
    store.ensureBucket(bucket);
    Result r = generate(dataDir.toAbsolutePath().resolve("corpus").resolve(name), say);
    say.accept(String.format(Locale.ROOT, "generated %,d documents in %.1f s; uploading %d parts to s3://%s/%s/",
        r.docs(), r.millis() / 1000.0, r.parts(), bucket, name));
    long t0 = System.nanoTime();
    CorpusPublisher publisher = new CorpusPublisher(store, db);
    List<String> uris = new ArrayList<>();
    int put = 0;
    for (CorpusManifest.SourceEntry e : r.sources()) {
      put += publisher.upload(r.root(), e, bucket, name, uris);
      publisher.record(e, "prose", bucket, name);
    }
    long millis = (System.nanoTime() - t0) / 1_000_000;
    say.accept(String.format(Locale.ROOT, "uploaded %d of %d parts in %.1f s", put, uris.size(), millis / 1000.0));
    return new Published(r, "s3://" + bucket + "/" + name + "/", List.copyOf(uris), put, millis);
  }

  /** A generation put on S3: the run input is {@code inputUri}. */
  public record Published(Result result, String inputUri, List<String> uris, int uploaded, long uploadMillis) {}

  /** An earlier original for copy i: draws among documents 0..i-1 until one is an original. */
  private long origin(long i, SplittableRandom r) {
    for (int t = 0; t < ORIGIN_TRIES; t++) {
      long j = r.nextLong(i);
      if (kind(j) == Kind.ORIGINAL) {
        return j;
      }
    }
    return 0;
  }

  private String specHash() {
    String s = String.format(Locale.ROOT, "synth v%d docs=%d seed=%d near=%s exact=%s sources=%d partBytes=%d",
        GENERATOR_VERSION, params.docs(), params.seed(), params.nearFraction(), params.exactFraction(),
        params.sources(), params.partBytes());
    return Hashes.sha256(s.getBytes(StandardCharsets.UTF_8));
  }

  /** Creates root; refuses a non-empty directory that no earlier generation wrote, clears one that did. */
  private static void prepare(Path root) throws IOException {
    Files.createDirectories(root);
    boolean empty;
    try (Stream<Path> s = Files.list(root)) {
      empty = s.findAny().isEmpty();
    }
    if (empty) {
      return;
    }
    if (!Files.isRegularFile(root.resolve(SUMMARY))) {
      throw new CorpusException(root + " is not empty and holds no synthetic corpus (" + SUMMARY
          + "): choose another output");
    }
    try (Stream<Path> s = Files.list(root)) {
      for (Path p : s.toList()) {
        String n = p.getFileName().toString();
        if (n.matches("\\.?synth-\\d+(\\.tmp)?") || n.equals("manifest.json") || n.equals(SUMMARY)
            || n.matches("\\.?" + java.util.regex.Pattern.quote(GROUND_TRUTH) + "(\\.tmp)?")) {
          PathUtils.delete(p);
        }
      }
    }
  }

  private static void writeSummary(Result r) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("generatorVersion", GENERATOR_VERSION);
    m.put("docs", r.docs());
    m.put("seed", r.params().seed());
    m.put("nearFraction", r.params().nearFraction());
    m.put("exactFraction", r.params().exactFraction());
    m.put("sources", r.params().sources());
    m.put("partBytes", r.params().partBytes());
    m.put("idTag", r.params().tag());
    m.put("originals", r.originals());
    m.put("exact", r.exact());
    Map<String, Long> near = new LinkedHashMap<>();
    SyntheticEdits.NEAR_EDITS.forEach(e -> near.put(e, r.near().getOrDefault(e, 0L)));
    m.put("near", near);
    m.put("nearTotal", r.nearTotal());
    m.put("textBytes", r.textBytes());
    m.put("jsonlBytes", r.jsonlBytes());
    m.put("parts", r.parts());
    m.put("groundTruth", GROUND_TRUTH);
    m.put("millis", r.millis());
    Path tmp = r.root().resolve(SUMMARY + ".tmp");
    JSON.writeValue(tmp.toFile(), m);
    Files.move(tmp, r.root().resolve(SUMMARY), StandardCopyOption.REPLACE_EXISTING);
  }

  /** SplitMix64's finalizer over seed, index and salt. */
  static long mix(long seed, long i, long salt) {
    long z = seed * 0x9E3779B97F4A7C15L + i * 0xC2B2AE3D27D4EB4FL + salt * 0x165667B19E3779F9L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
