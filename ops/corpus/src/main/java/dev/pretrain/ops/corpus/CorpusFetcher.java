package dev.pretrain.ops.corpus;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.db.Database;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.documents.SourceRepository;
import dev.pretrain.db.storage.ObjectStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

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
  private final DebianRegistry debian;
  private final NpmRegistry npm;

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
    this.debian = new DebianRegistry(cache, this.log);
    this.npm = new NpmRegistry(cache, this.log);
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
    if (upload) {
      store.ensureBucket(bucket);
    }
    List<CorpusManifest.SourceEntry> entries = new ArrayList<>();
    List<FetchResult.SourceResult> results = new ArrayList<>();
    try {
      int i = 0;
      for (CorpusSpec.Source s : spec.sources()) {
        i++;
        log.accept("[" + i + "/" + spec.sources().size() + "] " + s.id() + " (" + s.registry() + " "
            + s.packageName() + ")");
        String hash = specHash(s);
        CorpusManifest.SourceEntry entry = previous.flatMap(m -> m.source(s.id()))
            .filter(e -> e.specHash().equals(hash)).orElse(null);
        String status;
        if (entry != null && upload && allInStore(entry, bucket, prefix)) {
          status = "cached";
        } else if (entry != null && localPartsIntact(corpusDir, entry)) {
          status = upload ? "reuploaded" : "local";
        } else {
          boolean[] fromCache = new boolean[1];
          entry = build(spec, s, hash, corpusDir, fromCache);
          status = fromCache[0] ? "rebuilt" : "fetched";
          // keep the manifest current so that a later failure does not redo this source
          List<CorpusManifest.SourceEntry> soFar = new ArrayList<>(entries);
          soFar.add(entry);
          writeManifest(spec, previous, soFar, manifestFile);
        }
        List<String> uris = new ArrayList<>();
        if (upload) {
          int put = upload(corpusDir, entry, bucket, prefix, uris);
          if (put > 0 || !status.equals("cached")) {
            log.accept("  uploaded " + put + " of " + entry.parts().size() + " parts to s3://" + bucket + "/"
                + key(prefix, entry.id(), ""));
          }
          record(entry, bucket, prefix);
        }
        if (status.equals("cached")) {
          log.accept("  cached: " + entry.parts().size() + " parts, " + entry.docs() + " docs, "
              + mb(entry.textBytes()) + " text (" + entry.packageName() + " " + entry.version() + ")");
        }
        entries.add(entry);
        results.add(result(corpusDir, entry, uris, status));
      }
      writeManifest(spec, previous, entries, manifestFile);
    } catch (IOException e) {
      throw new UncheckedIOException("corpus " + spec.name() + ": " + e.getMessage(), e);
    }
    String overall = results.stream().anyMatch(r -> r.status().equals("fetched") || r.status().equals("rebuilt"))
        ? "fetched"
        : results.stream().anyMatch(r -> r.status().equals("reuploaded")) ? "reuploaded"
        : upload ? "cached" : "local";
    long millis = (System.nanoTime() - t0) / 1_000_000;
    FetchResult r = new FetchResult(spec.name(), bucket, prefix, overall, List.copyOf(results), millis);
    log.accept("corpus " + spec.name() + " " + overall + ": " + results.size() + " sources, " + r.docs() + " docs, "
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
    String version = s.registry() == CorpusSpec.Registry.debian ? debian.resolve(s) : npm.resolve(s);
    FetchedPackage pkg = s.registry() == CorpusSpec.Registry.debian
        ? debian.fetch(s.packageName(), version)
        : npm.fetch(s.packageName(), version);
    fromCache[0] = pkg.fromCache();
    log.accept("  " + (pkg.fromCache() ? "download cache: " : "downloaded ") + pkg.archive().getFileName() + " ("
        + mb(Files.size(pkg.archive())) + ") in " + secondsSince(t0) + "; verified " + pkg.checksumAlgo() + " "
        + abbreviate(pkg.checksum()) + " against the "
        + (pkg.registry().equals("debian") ? "apt index" : "registry's dist.integrity"));
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
    PackageFiles files = pkg.registry().equals("debian") ? debian.files(pkg, wanted(s)) : npm.files(pkg, wanted(s));
    Path tmpDir = corpusDir.resolve("." + s.id() + ".tmp");
    Files2.deleteTree(tmpDir);
    Extraction x = new Extraction(s, pkg, files, selected);
    List<JsonlParts.Part> parts;
    try (JsonlParts out = new JsonlParts(tmpDir, spec.partBytesOrDefault())) {
      x.run(out);
      parts = out.finish();
    }
    Path target = corpusDir.resolve(s.id());
    Files2.deleteTree(target);
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

  /** Turns the selected files of one package into documents. */
  private final class Extraction {
    final CorpusSpec.Source s;
    final FetchedPackage pkg;
    final PackageFiles files;
    final Predicate<String> selectedPath;
    final Dep5Copyright copyright;
    long selected;
    long used;
    long md5Verified;
    long docs;
    long textBytes;
    final Map<String, Long> licenses = new TreeMap<>();
    final Map<String, Long> skipped = new TreeMap<>();
    final Map<String, List<String>> skippedExamples = new TreeMap<>();
    final Map<String, Long> notes = new TreeMap<>();

    Extraction(CorpusSpec.Source s, FetchedPackage pkg, PackageFiles files,
        Predicate<String> selectedPath) {
      this.s = s;
      this.pkg = pkg;
      this.files = files;
      this.selectedPath = selectedPath;
      PackageFiles.Entry c = files.get(s.copyrightFileOrDefault());
      if (pkg.registry().equals("debian") && c != null && c.kind() == PackageFiles.Kind.FILE) {
        String expected = pkg.md5sums() == null ? null : pkg.md5sums().get(c.path());
        if (expected != null && !expected.equalsIgnoreCase(Hashes.md5(c.data()))) {
          throw new CorpusException("MD5 mismatch for " + c.path() + " in Debian package " + pkg.packageName() + "="
              + pkg.version() + ": DEBIAN/md5sums says " + expected + ", the file has " + Hashes.md5(c.data()));
        }
        this.copyright = Dep5Copyright.parse(new String(c.data(), StandardCharsets.UTF_8)).orElse(null);
        if (copyright == null) {
          log.accept("  " + s.copyrightFileOrDefault() + " is not machine-readable (DEP-5): package-level license "
              + s.license());
        }
      } else {
        this.copyright = null;
        if (pkg.registry().equals("debian")) {
          log.accept("  no " + s.copyrightFileOrDefault() + " in the package: package-level license " + s.license());
        }
      }
    }

    void run(JsonlParts out) throws IOException {
      // PackageFiles is sorted by path: documents come out in a stable order.
      for (PackageFiles.Entry e : files.entries().values()) {
        String path = e.path();
        if (!selectedPath.test(path)) {
          continue; // copyright file, zText indexes: read for their own purpose
        }
        selected++;
        switch (e.kind()) {
          case SYMLINK -> skip("symlink", path);
          case HARDLINK -> skip("hard link to an unselected file", path);
          case OTHER -> skip("not a regular file", path);
          case FILE -> {
            if (verifyMd5(path, e.data())) {
              if (s.format() == CorpusSpec.Format.sword_ztext) {
                swordFile(out, path, e.data());
              } else {
                textFile(out, path, e.data());
              }
            }
          }
          default -> throw new IllegalStateException(e.kind().toString());
        }
      }
    }

    /** Checks a file against DEBIAN/md5sums: a mismatch is fatal, an unlisted file is skipped and counted. */
    boolean verifyMd5(String path, byte[] raw) {
      if (pkg.md5sums() == null || pkg.md5sums().isEmpty()) {
        return true; // npm: the tarball's sha512 covers every file; a .deb without md5sums was warned about
      }
      String expected = pkg.md5sums().get(path);
      if (expected == null) {
        skip("not listed in DEBIAN/md5sums", path);
        return false;
      }
      String actual = Hashes.md5(raw);
      if (!expected.equalsIgnoreCase(actual)) {
        throw new CorpusException("MD5 mismatch for " + path + " in Debian package " + pkg.packageName() + "="
            + pkg.version() + ": DEBIAN/md5sums says " + expected + ", the unpacked file has " + actual);
      }
      md5Verified++;
      return true;
    }

    void textFile(JsonlParts out, String path, byte[] raw) throws IOException {
      byte[] bytes;
      try {
        bytes = TextExtractor.gunzipIfNeeded(path, raw);
      } catch (IOException e) {
        skip("corrupt gzip", path);
        return;
      }
      if (TextExtractor.looksBinary(bytes)) {
        skip("binary", path);
        return;
      }
      TextExtractor.Decoded d = TextExtractor.decode(bytes);
      if (d.latin1()) {
        note("decoded as ISO-8859-1 (not UTF-8)");
      }
      String text = d.text();
      String language = s.language();
      if (s.format() == CorpusSpec.Format.html) {
        if (s.languageAttribute() != null) {
          Optional<String> lang = TextExtractor.htmlAttribute(text, s.languageAttribute());
          if (lang.isPresent()) {
            language = lang.get();
          } else {
            note("no " + s.languageAttribute() + " attribute: language " + s.language());
          }
        }
        text = TextExtractor.htmlToText(text);
      }
      if (text.isBlank()) {
        skip("empty text", path);
        return;
      }
      used++;
      emit(out, path, path, text, language);
    }

    void swordFile(JsonlParts out, String path, byte[] bzz) throws IOException {
      if (!path.endsWith(".bzz")) {
        skip("not a zText data file (*.bzz)", path);
        return;
      }
      String base = path.substring(0, path.length() - 4);
      byte[][] index = new byte[2][];
      String[] ext = {".bzs", ".bzv"};
      for (int k = 0; k < 2; k++) {
        PackageFiles.Entry p = files.get(base + ext[k]);
        if (p == null || p.kind() != PackageFiles.Kind.FILE) {
          skip("zText index " + base + ext[k] + " missing", path);
          return;
        }
        index[k] = p.data();
        if (!verifyMd5(base + ext[k], index[k])) {
          return;
        }
      }
      used++;
      for (SwordZText.Book b : SwordZText.read(index[0], index[1], bzz)) {
        emit(out, path, path + "#" + b.osisId(), b.text(), s.language());
      }
    }

    void emit(JsonlParts out, String filePath, String docPath, String text, String language) throws IOException {
      String license = licenseFor(filePath);
      licenses.merge(license, 1L, Long::sum);
      out.add(new CorpusDocument(s.id() + ":" + docPath, text, s.id(), pkg.version(), docPath, license, language,
          s.jurisdiction()));
      docs++;
      textBytes += text.getBytes(StandardCharsets.UTF_8).length;
    }

    /** Per-path license from the DEP-5 copyright file, else the package's own, else the spec's fallback. */
    String licenseFor(String installedPath) {
      if (copyright != null) {
        // copyright globs name paths in the source tree, not where the package installs them
        String p = s.copyrightRoot() == null ? installedPath : stripPrefix(s.copyrightRoot(), installedPath);
        // Debian's tooling gzips docs at build time; copyright paths name the source file.
        if (p.endsWith(".gz")) {
          p = p.substring(0, p.length() - 3);
        }
        Optional<String> l = copyright.licenseFor(p);
        if (l.isPresent()) {
          note("license from DEP-5 copyright (per path)");
          return l.get();
        }
      }
      if (pkg.packageLicense() != null) {
        note("license from package.json");
        return pkg.packageLicense();
      }
      note("license from spec fallback");
      return s.license();
    }

    void skip(String reason, String path) {
      skipped.merge(reason, 1L, Long::sum);
      List<String> ex = skippedExamples.computeIfAbsent(reason, k -> new ArrayList<>());
      if (ex.size() < 3) {
        ex.add(path);
      }
    }

    void note(String what) {
      notes.merge(what, 1L, Long::sum);
    }
  }

  /** Removes the part of {@code path} matched by the glob prefix {@code root} (segments of the same count). */
  static String stripPrefix(String root, String path) {
    Pattern prefix = Glob.compile(root.endsWith("/") ? root.substring(0, root.length() - 1) : root);
    String[] segs = path.split("/");
    StringBuilder head = new StringBuilder();
    for (int i = 0; i < segs.length; i++) {
      if (i > 0) {
        head.append('/');
      }
      head.append(segs[i]);
      if (prefix.matcher(head).matches()) {
        return i + 1 < segs.length ? path.substring(head.length() + 1) : "";
      }
    }
    return path;
  }

  // ---------------------------------------------------------------- S3 and database

  private static String key(String prefix, String sourceId, String file) {
    return (prefix.isEmpty() ? "" : prefix + "/") + sourceId + "/" + file;
  }

  private boolean allInStore(CorpusManifest.SourceEntry e, String bucket, String prefix) {
    for (JsonlParts.Part p : e.parts()) {
      Optional<ObjectStore.Stored> st = store.stat(bucket, key(prefix, e.id(), p.file()));
      if (st.isEmpty() || !p.sha256().equals(st.get().sha256()) || st.get().sizeBytes() != p.bytes()) {
        return false;
      }
    }
    return true;
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

  /** Puts the parts that S3 lacks (or holds with another digest); returns how many were put. */
  private int upload(Path corpusDir, CorpusManifest.SourceEntry e, String bucket, String prefix, List<String> uris) {
    int put = 0;
    for (JsonlParts.Part p : e.parts()) {
      String key = key(prefix, e.id(), p.file());
      Optional<ObjectStore.Stored> st = store.stat(bucket, key);
      if (st.isEmpty() || !p.sha256().equals(st.get().sha256()) || st.get().sizeBytes() != p.bytes()) {
        ObjectStore.Stored s = store.putFile(bucket, key, corpusDir.resolve(e.id()).resolve(p.file()),
            "application/x-ndjson");
        if (!s.sha256().equals(p.sha256())) {
          throw new CorpusException("local part " + e.id() + "/" + p.file() + " changed since the manifest was written"
              + " (manifest " + p.sha256() + ", file " + s.sha256() + "): delete " + corpusDir + " and fetch again");
        }
        put++;
      }
      uris.add("s3://" + bucket + "/" + key);
    }
    return put;
  }

  /** Artifacts and sources rows, written only where missing or different (a cached fetch writes nothing). */
  private void record(CorpusManifest.SourceEntry e, String bucket, String prefix) {
    if (db == null) {
      return;
    }
    ArtifactRepository artifacts = new ArtifactRepository(db.jdbc());
    for (JsonlParts.Part p : e.parts()) {
      String uri = "s3://" + bucket + "/" + key(prefix, e.id(), p.file());
      Optional<ArtifactRepository.Artifact> have = artifacts.find(uri);
      if (have.isEmpty() || !have.get().sha256().equals(p.sha256()) || !ARTIFACT_KIND.equals(have.get().kind())
          || !Objects.equals(have.get().storageEndpoint(), store.endpoint())) {
        artifacts.record(new ArtifactRepository.Artifact(uri, p.sha256(), p.bytes(), ARTIFACT_KIND, null, STEP,
            store.endpoint(), store.region(), Instant.now()), List.of());
      }
    }
    SourceRepository sources = new SourceRepository(db.jdbc());
    SourceRepository.Source row = new SourceRepository.Source(e.id(), e.registry(), e.packageName(), e.version(),
        e.checksumAlgo(), e.checksum(), truncate(licenseSummary(e.licenses()), 256), e.jurisdiction(), e.filesUsed(),
        e.textBytes(), Instant.parse(e.fetchedAt()));
    Optional<SourceRepository.Source> have = sources.all().stream().filter(x -> x.sourceId().equals(e.id())).findFirst();
    if (have.isEmpty() || !sameSource(have.get(), row)) {
      sources.upsert(row);
    }
  }

  private static boolean sameSource(SourceRepository.Source a, SourceRepository.Source b) {
    return a.registry().equals(b.registry()) && a.packageName().equals(b.packageName())
        && a.packageVersion().equals(b.packageVersion()) && a.checksum().equals(b.checksum())
        && Objects.equals(a.license(), b.license()) && Objects.equals(a.jurisdiction(), b.jurisdiction())
        && a.files() == b.files() && a.bytes() == b.bytes();
  }

  private static FetchResult.SourceResult result(Path corpusDir, CorpusManifest.SourceEntry e, List<String> uris,
      String status) {
    List<String> local = e.parts().stream().map(p -> corpusDir.resolve(e.id()).resolve(p.file()).toString()).toList();
    return new FetchResult.SourceResult(e.id(), e.registry(), e.packageName(), e.version(), e.checksumAlgo(),
        e.checksum(), licenseSummary(e.licenses()), e.licenses(), e.filesUsed(), e.skipped(), e.docs(), e.textBytes(),
        e.jsonlBytes(), List.copyOf(uris), local, status);
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

  private static String truncate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 3) + "...";
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
