package dev.pretrain.ops.corpus;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Turns the selected files of one verified package into documents, with a license per file and counts
 * of what was used, skipped and why.
 */
final class PackageExtraction {
  final CorpusSpec.Source s;
  final FetchedPackage pkg;
  final PackageFiles files;
  final Predicate<String> selectedPath;
  final Consumer<String> log;
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

  /** @param withCopyrightFile the package's registry ships a copyright file (see {@link PackageRegistry}) */
  PackageExtraction(CorpusSpec.Source s, FetchedPackage pkg, PackageFiles files, Predicate<String> selectedPath,
      boolean withCopyrightFile, Consumer<String> log) {
    this.s = s;
    this.pkg = pkg;
    this.files = files;
    this.selectedPath = selectedPath;
    this.log = log;
    PackageFiles.Entry c = files.get(s.copyrightFileOrDefault());
    if (withCopyrightFile && c != null && c.kind() == PackageFiles.Kind.FILE) {
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
      if (withCopyrightFile) {
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
            } else if (s.format() == CorpusSpec.Format.brs_text) {
              brsFile(out, path, e.data());
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

  void brsFile(JsonlParts out, String path, byte[] data) throws IOException {
    List<BibleRetrievalText.Book> books = BibleRetrievalText.read(path, data);
    used++;
    for (BibleRetrievalText.Book b : books) {
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
}
