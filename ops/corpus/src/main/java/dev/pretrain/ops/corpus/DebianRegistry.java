package dev.pretrain.ops.corpus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.commons.io.file.PathUtils;

/**
 * Debian packages through the machine's own apt: {@code apt-cache} for versions and the index's SHA-256,
 * {@code apt-get download} for the .deb (no install), {@code dpkg-deb} to read its control and data tars
 * (streamed: only the files a source uses are read, nothing is unpacked to disk).
 * Mirrors and proxies come from apt's own configuration (sources.list, apt.conf), never from us.
 */
final class DebianRegistry implements PackageRegistry {

  /** The apt index's record of one package version. */
  record IndexRecord(String packageName, String version, String architecture, String sha256, long size) {}

  private final Path cacheDir;
  private final Consumer<String> log;
  private boolean indexRefreshed;
  // apt-cache takes ~1 s a call here; a fetch asks for the same record when resolving and downloading
  private final Map<String, IndexRecord> records = new HashMap<>();

  DebianRegistry(Path cacheDir, Consumer<String> log) {
    this.cacheDir = cacheDir;
    this.log = log;
  }

  @Override
  public String checksumOrigin() {
    return "apt index";
  }

  @Override
  public boolean shipsCopyrightFile() {
    return true;
  }

  /** The version to fetch: the pinned one if apt knows it (refreshing the index once), else per the spec. */
  @Override
  public String resolve(CorpusSpec.Source s) {
    String pkg = s.packageName();
    if (s.pinned()) {
      if (indexRecord(pkg, s.version()) != null) {
        return s.version();
      }
      if (refreshIndexOnce("apt-cache knows no " + pkg + "=" + s.version()) && indexRecord(pkg, s.version()) != null) {
        return s.version();
      }
      if (s.ifVersionMissingOrDefault() == CorpusSpec.IfVersionMissing.fail) {
        throw new CorpusException("Debian package " + pkg + "=" + s.version() + " is not in the apt index"
            + " (after apt-get update); candidate is " + candidate(pkg) + ". Pin another version in the corpus spec"
            + " or set ifVersionMissing: newest");
      }
      String c = candidate(pkg);
      if (c == null) {
        throw new CorpusException("Debian package " + pkg + " has no candidate in the apt index");
      }
      log.accept("  WARNING " + s.id() + ": pinned " + pkg + "=" + s.version()
          + " is no longer in the apt index; using the candidate " + c + " (recorded in the manifest)");
      return c;
    }
    String c = candidate(pkg);
    if (c == null && refreshIndexOnce("apt-cache policy knows no candidate for " + pkg)) {
      c = candidate(pkg);
    }
    if (c == null) {
      throw new CorpusException("Debian package " + pkg + " has no candidate in the apt index (after apt-get update)");
    }
    return c;
  }

  private boolean refreshIndexOnce(String why) {
    if (indexRefreshed) {
      return false;
    }
    indexRefreshed = true;
    log.accept("  " + why + ": running apt-get update once");
    Commands.Output o = Commands.run(null, List.of("apt-get", "update", "-q"));
    if (!o.ok()) {
      throw new CorpusException("apt-get update failed (exit " + o.exitCode() + "; it needs root): "
          + Commands.tail(o.stderr()));
    }
    return true;
  }

  String candidate(String pkg) {
    Commands.Output o = Commands.check(null, List.of("apt-cache", "policy", pkg));
    for (String line : o.stdout().split("\n")) {
      String l = line.strip();
      if (l.startsWith("Candidate:")) {
        String v = l.substring("Candidate:".length()).strip();
        return v.isEmpty() || v.equals("(none)") ? null : v;
      }
    }
    return null;
  }

  /** {@code apt-cache show pkg=version}, or null if the index has no such version. */
  IndexRecord indexRecord(String pkg, String version) {
    IndexRecord known = records.get(pkg + "=" + version);
    if (known != null) {
      return known;
    }
    Commands.Output o = Commands.run(null, List.of("apt-cache", "show", pkg + "=" + version));
    if (!o.ok()) {
      return null;
    }
    for (String stanza : o.stdout().split("\n\\s*\n")) {
      Map<String, String> f = new HashMap<>();
      for (String line : stanza.split("\n")) {
        int c = line.indexOf(':');
        if (c > 0 && !Character.isWhitespace(line.charAt(0))) {
          f.put(line.substring(0, c), line.substring(c + 1).strip());
        }
      }
      if (pkg.equals(f.get("Package")) && version.equals(f.get("Version")) && f.containsKey("SHA256")) {
        IndexRecord r = new IndexRecord(pkg, version, f.getOrDefault("Architecture", "all"), f.get("SHA256"),
            Long.parseLong(f.getOrDefault("Size", "-1")));
        records.put(pkg + "=" + version, r);
        return r;
      }
    }
    return null;
  }

  /** Downloads (or takes from the cache) and verifies the .deb, and reads its DEBIAN/md5sums. */
  @Override
  public FetchedPackage fetch(String pkg, String version) throws IOException {
    IndexRecord rec = indexRecord(pkg, version);
    if (rec == null) {
      throw new CorpusException("Debian package " + pkg + "=" + version + " is not in the apt index");
    }
    Path dir = cacheDir.resolve("debian");
    Files.createDirectories(dir);
    // apt's own file name scheme, epoch colon escaped.
    Path deb = dir.resolve(pkg + "_" + version.replace(":", "%3a") + "_" + rec.architecture() + ".deb");
    boolean fromCache = false;
    if (Files.isRegularFile(deb)) {
      String have = Hashes.sha256(deb);
      if (have.equals(rec.sha256())) {
        fromCache = true;
      } else {
        log.accept("  cached " + deb.getFileName() + " does not match the index SHA256 (" + have
            + " != " + rec.sha256() + "): downloading again");
        Files.delete(deb);
      }
    }
    if (!fromCache) {
      Path tmp = dir.resolve(".download-" + pkg);
      PathUtils.delete(tmp);
      Files.createDirectories(tmp);
      try {
        Commands.check(tmp, List.of("apt-get", "download", "-q", pkg + "=" + version));
        Path got;
        try (Stream<Path> files = Files.list(tmp)) {
          List<Path> debs = files.filter(p -> p.getFileName().toString().endsWith(".deb")).toList();
          if (debs.size() != 1) {
            throw new CorpusException("apt-get download " + pkg + "=" + version + " left " + debs.size() + " .deb files");
          }
          got = debs.get(0);
        }
        verifyDownload(pkg + "=" + version, got, rec.sha256());
        Files.move(got, deb, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        PathUtils.delete(tmp);
      }
    }
    Map<String, String> md5 = readMd5sums(deb);
    if (md5.isEmpty()) {
      log.accept("  WARNING " + pkg + "=" + version + " has no DEBIAN/md5sums: files are verified only by the .deb's SHA256");
    }
    return new FetchedPackage("debian", pkg, version, "sha256", rec.sha256(), deb, md5, null, fromCache);
  }

  /** DEBIAN/md5sums of a .deb (empty if it has none), read through dpkg-deb's control tar. */
  static Map<String, String> readMd5sums(Path deb) {
    return Commands.stream(List.of("dpkg-deb", "--ctrl-tarfile", deb.toString()), in -> {
      PackageFiles.Entry e = PackageFiles.read(in, "md5sums"::equals).get("md5sums");
      return e == null || e.data() == null ? Map.<String, String>of()
          : parseMd5sums(new String(e.data(), java.nio.charset.StandardCharsets.UTF_8));
    });
  }

  /** Fails naming the package and both checksums if {@code file} is not what the apt index says. */
  static void verifyDownload(String pkgVersion, Path file, String indexSha256) throws IOException {
    String have = Hashes.sha256(file);
    if (!have.equals(indexSha256)) {
      throw new CorpusException("corrupt download of Debian package " + pkgVersion + ": the apt index says SHA256 "
          + indexSha256 + ", the downloaded file " + file.getFileName() + " has " + have);
    }
  }

  /** The package's files that {@code keep} accepts, streamed out of the .deb by dpkg-deb. */
  @Override
  public PackageFiles files(FetchedPackage p, java.util.function.Predicate<String> keep) {
    return Commands.stream(List.of("dpkg-deb", "--fsys-tarfile", p.archive().toString()),
        in -> PackageFiles.read(in, keep));
  }

  /** DEBIAN/md5sums lines: "md5  path" (path relative to /). */
  static Map<String, String> parseMd5sums(String text) {
    Map<String, String> out = new HashMap<>();
    for (String line : text.split("\n")) {
      if (line.length() > 34) {
        String md5 = line.substring(0, 32);
        String path = line.substring(32).strip();
        out.put(path.startsWith("/") ? path.substring(1) : path, md5);
      }
    }
    return out;
  }
}
