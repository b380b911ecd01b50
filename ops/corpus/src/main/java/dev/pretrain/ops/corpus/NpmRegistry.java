package dev.pretrain.ops.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.commons.io.file.PathUtils;

/**
 * npm packages through the machine's own npm: {@code npm view} for versions and {@code dist.integrity},
 * {@code npm pack} for the tarball, which we read as a stream. The registry (or a mirror) is whatever npm's
 * own configuration says ({@code npm config get registry}, .npmrc).
 */
final class NpmRegistry implements PackageRegistry {

  private final Path cacheDir;
  private final Consumer<String> log;

  NpmRegistry(Path cacheDir, Consumer<String> log) {
    this.cacheDir = cacheDir;
    this.log = log;
  }

  @Override
  public String checksumOrigin() {
    return "registry's dist.integrity";
  }

  @Override
  public boolean shipsCopyrightFile() {
    return false;
  }

  /** Fails naming the package and both checksums if {@code file} does not have the registry's integrity. */
  static void verifyDownload(String pkgVersion, Path file, String integrity) throws IOException {
    String have = Hashes.sri512(file);
    if (!have.equals(integrity)) {
      throw new CorpusException("corrupt download of npm package " + pkgVersion + ": the registry says dist.integrity "
          + integrity + ", the downloaded tarball " + file.getFileName() + " has " + have);
    }
  }

  /** The tarball's files that {@code keep} accepts (paths as packed, e.g. "package/index.js"). */
  @Override
  public PackageFiles files(FetchedPackage p, java.util.function.Predicate<String> keep) {
    return files(p.archive(), keep);
  }

  private static PackageFiles files(Path tgz, java.util.function.Predicate<String> keep) {
    try (java.io.InputStream in = new java.util.zip.GZIPInputStream(
        new java.io.BufferedInputStream(Files.newInputStream(tgz), 1 << 16))) {
      return PackageFiles.read(in, keep);
    } catch (IOException e) {
      throw new CorpusException("cannot read npm tarball " + tgz + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String resolve(CorpusSpec.Source s) {
    String pkg = s.packageName();
    if (s.pinned()) {
      if (integrity(pkg, s.version()) != null) {
        return s.version();
      }
      if (s.ifVersionMissingOrDefault() == CorpusSpec.IfVersionMissing.fail) {
        throw new CorpusException("npm package " + pkg + "@" + s.version() + " is not in the registry"
            + " (npm view found no dist.integrity)");
      }
    }
    Commands.Output o = Commands.run(null, List.of("npm", "view", pkg, "version"));
    String latest = o.stdout().strip();
    if (!o.ok() || latest.isEmpty()) {
      throw new CorpusException("npm view " + pkg + " version failed: " + Commands.tail(o.stderr()));
    }
    if (s.pinned()) {
      log.accept("  WARNING " + s.id() + ": " + pkg + "@" + s.version() + " is not in the registry; using " + latest);
    }
    return latest;
  }

  /** The registry's {@code dist.integrity} (an SRI string, e.g. "sha512-..."), or null if no such version. */
  String integrity(String pkg, String version) {
    Commands.Output o = Commands.run(null, List.of("npm", "view", pkg + "@" + version, "dist.integrity"));
    String v = o.stdout().strip();
    return o.ok() && !v.isEmpty() ? v : null;
  }

  @Override
  public FetchedPackage fetch(String pkg, String version) throws IOException {
    String integrity = integrity(pkg, version);
    if (integrity == null) {
      throw new CorpusException("npm package " + pkg + "@" + version + " has no dist.integrity in the registry");
    }
    if (!integrity.startsWith("sha512-")) {
      throw new CorpusException("npm package " + pkg + "@" + version + " has integrity " + integrity
          + "; only sha512 is accepted");
    }
    Path dir = cacheDir.resolve("npm");
    Files.createDirectories(dir);
    Path tgz = dir.resolve(pkg.replace("@", "").replace('/', '-') + "-" + version + ".tgz");
    boolean fromCache = false;
    if (Files.isRegularFile(tgz)) {
      String have = Hashes.sri512(tgz);
      if (have.equals(integrity)) {
        fromCache = true;
      } else {
        log.accept("  cached " + tgz.getFileName() + " does not match dist.integrity: downloading again");
        Files.delete(tgz);
      }
    }
    if (!fromCache) {
      Path tmp = dir.resolve(".download-" + pkg.replace("@", "").replace('/', '-'));
      PathUtils.delete(tmp);
      Files.createDirectories(tmp);
      try {
        Commands.check(tmp, List.of("npm", "pack", "--silent", pkg + "@" + version));
        Path got;
        try (Stream<Path> files = Files.list(tmp)) {
          List<Path> tgzs = files.filter(p -> p.getFileName().toString().endsWith(".tgz")).toList();
          if (tgzs.size() != 1) {
            throw new CorpusException("npm pack " + pkg + "@" + version + " left " + tgzs.size() + " .tgz files");
          }
          got = tgzs.get(0);
        }
        verifyDownload(pkg + "@" + version, got, integrity);
        Files.move(got, tgz, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        PathUtils.delete(tmp);
      }
    }
    String license = null;
    PackageFiles.Entry pj = files(tgz, "package/package.json"::equals).get("package/package.json");
    if (pj != null && pj.data() != null) {
      JsonNode n = new ObjectMapper().readTree(pj.data()).path("license");
      license = n.isTextual() && !n.asText().isBlank() ? n.asText() : null;
    }
    return new FetchedPackage("npm", pkg, version, "sha512", integrity, tgz, null, license, fromCache);
  }
}
