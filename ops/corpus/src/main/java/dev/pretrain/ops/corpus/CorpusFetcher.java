package dev.pretrain.ops.corpus;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.db.Database;
import dev.pretrain.db.storage.ObjectStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.commons.io.file.PathUtils;

/**
 * Fetches a corpus: for each source of a {@link CorpusSpec}, downloads the package with the machine's
 * own client (apt / npm), verifies it against the registry's checksum (and each used file against the
 * .deb's DEBIAN/md5sums), turns the selected files into JSONL documents with license, language and
 * jurisdiction, uploads the parts to S3 and records them (artifacts, sources).
 *
 * <p>Layout: {@code <dataDir>/cache/} holds downloads; {@code <dataDir>/corpus/<name>/<source>/part-NNN.jsonl}
 * the documents and {@code <dataDir>/corpus/<name>/manifest.json} what they came from. S3 keys are
 * {@code <prefix>/<source>/part-NNN.jsonl}. A repeated fetch whose manifest and S3 objects match does
 * nothing; with S3 emptied it re-uploads the local parts without downloading.
 */
public final class CorpusFetcher {

  /** Bump when extraction or the JSONL format changes: older manifests are then rebuilt. */
  public static final int FORMAT_VERSION = 1;

  public static final String ARTIFACT_KIND = "corpus-file";
  public static final String STEP = "corpus";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dataDir;
  private final ObjectStore store;
  private final Database db;
  private final Consumer<String> log;
  private final Map<CorpusSpec.Registry, PackageRegistry> registries = new EnumMap<>(CorpusSpec.Registry.class);

  /**
   * @param dataDir the stack's data directory (downloads under cache/, documents under corpus/)
   * @param store S3 storage; null only for {@link #prepare} (local build, no upload)
   * @param db metadata database; null skips the artifacts/sources rows
   * @param log progress lines
   */
  public CorpusFetcher(Path dataDir, ObjectStore store, Database db, Consumer<String> log) {
    this.dataDir = dataDir.toAbsolutePath();
    this.store = store;
    this.db = db;
    this.log = log == null ? s -> { } : log;
    Path cache = this.dataDir.resolve("cache");
    registries.put(CorpusSpec.Registry.debian, new DebianRegistry(cache, this.log));
    registries.put(CorpusSpec.Registry.npm, new NpmRegistry(cache, this.log));
  }

  public Path corpusDir(CorpusSpec spec) {
    return dataDir.resolve("corpus").resolve(spec.name());
  }

  public Path manifestFile(CorpusSpec spec) {
    return corpusDir(spec).resolve("manifest.json");
  }

  /** Builds the corpus locally (download, verify, JSONL) without uploading: for tests and inspection. */
  public FetchResult prepare(CorpusSpec spec) {
    return run(spec, null, null);
  }

  /**
   * Fetches the corpus and uploads it to {@code s3://bucket/prefix/<source>/part-NNN.jsonl}.
   *
   * @param prefix key prefix without leading or trailing slash (may be empty)
   */
  public FetchResult fetch(CorpusSpec spec, String bucket, String prefix) {
    Objects.requireNonNull(store, "fetch needs an ObjectStore; use prepare() for a local build");
    Objects.requireNonNull(bucket, "bucket");
    return run(spec, bucket, prefix == null ? "" : prefix.replaceAll("^/+|/+$", ""));
  }

  private FetchResult run(CorpusSpec spec, String bucket, String prefix) {
    long t0 = System.nanoTime();
    boolean upload = bucket != null;
    Path corpusDir = corpusDir(spec);
    Path manifestFile = manifestFile(spec);
    Optional<CorpusManifest> previous = CorpusManifest.read(manifestFile);
    log.accept("corpus " + spec.name() + ": " + spec.sources().size() + " sources"
        + (upload ? " -> s3://" + bucket + "/" + (prefix.isEmpty() ? "" : prefix + "/") : " (local only)")
        + (previous.isPresent() ? ", manifest found" : ""));
    CorpusPublisher publisher = upload ? new CorpusPublisher(store, db) : null;
    if (upload) {
      store.ensureBucket(bucket);
    }
    List<CorpusManifest.SourceEntry> entries = new ArrayList<>();
    List<FetchResult.SourceResult> results = new ArrayList<>();
    List<FetchStatus> statuses = new ArrayList<>();
    try {
      int i = 0;
      for (CorpusSpec.Source s : spec.sources()) {
        i++;
        log.accept("[" + i + "/" + spec.sources().size() + "] " + s.id() + " (" + s.registry() + " "
            + s.packageName() + ")");
        String hash = specHash(s);
        CorpusManifest.SourceEntry entry = previous.flatMap(m -> m.source(s.id()))
            .filter(e -> e.specHash().equals(hash)).orElse(null);
        FetchStatus status;
        if (entry != null && upload && publisher.allInStore(entry, bucket, prefix)) {
          status = FetchStatus.CACHED;
        } else if (entry != null && localPartsIntact(corpusDir, entry)) {
          status = upload ? FetchStatus.REUPLOADED : FetchStatus.LOCAL;
        } else {
          boolean[] fromCache = new boolean[1];
          entry = build(spec, s, hash, corpusDir, fromCache);
          status = fromCache[0] ? FetchStatus.REBUILT : FetchStatus.FETCHED;
          // keep the manifest current so that a later failure does not redo this source
          List<CorpusManifest.SourceEntry> soFar = new ArrayList<>(entries);
          soFar.add(entry);
          writeManifest(spec, previous, soFar, manifestFile);
        }
        List<String> uris = new ArrayList<>();
        if (upload) {
          int put = publisher.upload(corpusDir, entry, bucket, prefix, uris);
          if (put > 0 || status != FetchStatus.CACHED) {
            log.accept("  uploaded " + put + " of " + entry.parts().size() + " parts to s3://" + bucket + "/"
                + key(prefix, entry.id(), ""));
          }
          publisher.record(entry, s.contentOrDefault(), bucket, prefix);
        }
        if (status == FetchStatus.CACHED) {
          log.accept("  cached: " + entry.parts().size() + " parts, " + entry.docs() + " docs, "
              + mb(entry.textBytes()) + " text (" + entry.packageName() + " " + entry.version() + ")");
        }
        entries.add(entry);
        statuses.add(status);
        results.add(result(corpusDir, entry, uris, status));
      }
      writeManifest(spec, previous, entries, manifestFile);
    } catch (IOException e) {
      throw new UncheckedIOException("corpus " + spec.name() + ": " + e.getMessage(), e);
    }
    FetchStatus overall = statuses.contains(FetchStatus.FETCHED) || statuses.contains(FetchStatus.REBUILT)
        ? FetchStatus.FETCHED
        : statuses.contains(FetchStatus.REUPLOADED) ? FetchStatus.REUPLOADED
        : upload ? FetchStatus.CACHED : FetchStatus.LOCAL;
    long millis = (System.nanoTime() - t0) / 1_000_000;
    FetchResult r = new FetchResult(spec.name(), bucket, prefix, overall.word(), List.copyOf(results), millis);
    log.accept("corpus " + spec.name() + " " + overall.word() + ": " + results.size() + " sources, " + r.docs() + " docs, "
        + mb(r.textBytes()) + " text, " + mb(r.jsonlBytes()) + " JSONL in " + r.parts() + " parts"
        + (upload ? " at " + r.inputUri() : " under " + corpusDir) + " (" + String.format(Locale.ROOT, "%.1f", millis / 1000.0)
        + " s)");
    return r;
  }

  private void writeManifest(CorpusSpec spec, Optional<CorpusManifest> previous,
      List<CorpusManifest.SourceEntry> done, Path file) throws IOException {
    // Sources not reached yet keep their previous entries; sources no longer in the spec are dropped.
    List<CorpusManifest.SourceEntry> all = new ArrayList<>();
    for (CorpusSpec.Source s : spec.sources()) {
      Optional<CorpusManifest.SourceEntry> e = done.stream().filter(d -> d.id().equals(s.id())).findFirst();
      if (e.isEmpty()) {
        e = previous.flatMap(m -> m.source(s.id()));
      }
      e.ifPresent(all::add);
    }
    new CorpusManifest(FORMAT_VERSION, spec.name(), all).write(file);
  }

  /** Hash of what determines a source's output: its spec entry and our format version. */
  static String specHash(CorpusSpec.Source s) {
    try {
      byte[] json = JSON.writeValueAsBytes(s);
      byte[] tagged = ("v" + FORMAT_VERSION + ":").getBytes(StandardCharsets.UTF_8);
      byte[] all = new byte[tagged.length + json.length];
      System.arraycopy(tagged, 0, all, 0, tagged.length);
      System.arraycopy(json, 0, all, tagged.length, json.length);
      return Hashes.sha256(all);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---------------------------------------------------------------- build one source

  private CorpusManifest.SourceEntry build(CorpusSpec spec, CorpusSpec.Source s, String hash, Path corpusDir,
      boolean[] fromCache) throws IOException {
    long t0 = System.nanoTime();
    PackageRegistry registry = registries.get(s.registry());
    String version = registry.resolve(s);
    FetchedPackage pkg = registry.fetch(s.packageName(), version);
    fromCache[0] = pkg.fromCache();
    log.accept("  " + (pkg.fromCache() ? "download cache: " : "downloaded ") + pkg.archive().getFileName() + " ("
        + mb(Files.size(pkg.archive())) + ") in " + secondsSince(t0) + "; verified " + pkg.checksumAlgo() + " "
        + abbreviate(pkg.checksum()) + " against the " + registry.checksumOrigin());
    return buildFrom(spec, s, hash, corpusDir, pkg, t0);
  }

  /** Which package paths a source turns into documents. */
  static Predicate<String> selected(CorpusSpec.Source s) {
    List<Pattern> inc = s.includePatterns();
    List<Pattern> exc = s.excludePatterns();
    return p -> Glob.anyMatches(inc, p) && !Glob.anyMatches(exc, p);
  }

  /** Which package paths to read: the selected ones, the copyright file, the indexes beside a zText file. */
  static Predicate<String> wanted(CorpusSpec.Source s) {
    Predicate<String> selected = selected(s);
    String copyrightPath = s.copyrightFileOrDefault();
    boolean sword = s.format() == CorpusSpec.Format.sword_ztext;
    return p -> selected.test(p) || p.equals(copyrightPath)
        || (sword && p.matches(".*\\.bz[sv]") && selected.test(p.substring(0, p.length() - 1) + "z"));
  }

  /** Documents of a verified package into {@code corpusDir/<source>/part-NNN.jsonl}; its manifest entry. */
  CorpusManifest.SourceEntry buildFrom(CorpusSpec spec, CorpusSpec.Source s, String hash, Path corpusDir,
      FetchedPackage pkg, long t0) throws IOException {
    Predicate<String> selected = selected(s);
    PackageRegistry registry = registries.get(CorpusSpec.Registry.valueOf(pkg.registry()));
    PackageFiles files = registry.files(pkg, wanted(s));
    Path tmpDir = corpusDir.resolve("." + s.id() + ".tmp");
    PathUtils.delete(tmpDir);
    PackageExtraction x = new PackageExtraction(s, pkg, files, selected, registry.shipsCopyrightFile(), log);
    List<JsonlParts.Part> parts;
    try (JsonlParts out = new JsonlParts(tmpDir, spec.partBytesOrDefault())) {
      x.run(out);
      parts = out.finish();
    }
    Path target = corpusDir.resolve(s.id());
    PathUtils.delete(target);
    Files.move(tmpDir, target);
    CorpusManifest.SourceEntry e = new CorpusManifest.SourceEntry(s.id(), hash, pkg.registry(), pkg.packageName(),
        pkg.version(), pkg.checksumAlgo(), pkg.checksum(), s.jurisdiction(), s.language(), sortedByCount(x.licenses),
        x.selected, x.used, x.md5Verified, x.skipped, x.skippedExamples, x.notes, x.docs, x.textBytes, parts,
        Instant.now().toString());
    String skippedText = x.skipped.isEmpty() ? "none" : x.skipped.entrySet().stream()
        .map(k -> k.getKey() + " " + k.getValue() + " (e.g. " + String.join(", ", x.skippedExamples.get(k.getKey()))
            + ")")
        .collect(Collectors.joining("; "));
    log.accept("  " + x.used + " files -> " + x.docs + " docs, " + mb(x.textBytes) + " text, " + parts.size()
        + " parts (" + mb(e.jsonlBytes()) + " JSONL); md5sums verified: " + x.md5Verified
        + (pkg.md5sums() == null ? " (npm: none per file)" : "") + "; skipped: " + skippedText
        + (x.notes.isEmpty() ? "" : "; notes: " + x.notes));
    log.accept("  licenses: " + licenseSummary(e.licenses()) + "; language " + s.language()
        + (s.languageAttribute() != null ? " (per file from <html " + s.languageAttribute() + ">)" : "")
        + "; jurisdiction " + s.jurisdiction() + "; " + secondsSince(t0));
    return e;
  }

  // ---------------------------------------------------------------- S3 and database

  private static String key(String prefix, String sourceId, String file) {
    return CorpusPublisher.key(prefix, sourceId, file);
  }

  private static boolean localPartsIntact(Path corpusDir, CorpusManifest.SourceEntry e) throws IOException {
    for (JsonlParts.Part p : e.parts()) {
      Path f = corpusDir.resolve(e.id()).resolve(p.file());
      if (!Files.isRegularFile(f) || Files.size(f) != p.bytes() || !Hashes.sha256(f).equals(p.sha256())) {
        return false;
      }
    }
    return true;
  }

  private static FetchResult.SourceResult result(Path corpusDir, CorpusManifest.SourceEntry e, List<String> uris,
      FetchStatus status) {
    List<String> local = e.parts().stream().map(p -> corpusDir.resolve(e.id()).resolve(p.file()).toString()).toList();
    return new FetchResult.SourceResult(e.id(), e.registry(), e.packageName(), e.version(), e.checksumAlgo(),
        e.checksum(), licenseSummary(e.licenses()), e.licenses(), e.filesUsed(), e.skipped(), e.docs(), e.textBytes(),
        e.jsonlBytes(), List.copyOf(uris), local, status.word());
  }

  // ---------------------------------------------------------------- formatting

  /** Licenses by document count, most frequent first (ties by name), as an insertion-ordered map. */
  static Map<String, Long> sortedByCount(Map<String, Long> counts) {
    Map<String, Long> out = new LinkedHashMap<>();
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()))
        .forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }

  /** "GPL-2" for one license; "GPL-1+ or Artistic (180); Artistic (4); ..." for several. */
  static String licenseSummary(Map<String, Long> licenses) {
    if (licenses.size() == 1) {
      return licenses.keySet().iterator().next();
    }
    return sortedByCount(licenses).entrySet().stream().map(e -> e.getKey() + " (" + e.getValue() + ")")
        .collect(Collectors.joining("; "));
  }

  static String mb(long bytes) {
    return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
  }

  private static String secondsSince(long t0) {
    return String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - t0) / 1e9);
  }

  private static String abbreviate(String checksum) {
    return checksum.length() > 24 ? checksum.substring(0, 24) + "..." : checksum;
  }
}
