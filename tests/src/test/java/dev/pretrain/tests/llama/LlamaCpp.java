package dev.pretrain.tests.llama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * llama.cpp as an independent runtime for the GGUF files we write: the prebuilt CPU build inside the
 * npm package node-llama-cpp, driven by {@code tests/src/test/node/llama_check.mjs} (its header
 * describes the request and the answer). The package is installed on first use with npm into
 * {@code PRETRAIN_LLAMA_CPP_DIR} (system property {@code pretrain.llama.cpp.dir} or environment
 * variable), by default {@code <build dir>/node-llama-cpp}: about 85 MB from the npm registry with no
 * install script and no download of its own, so CI needs nothing beyond Node.js 20 and npm. A missing
 * tool is a failure that names it, never a skip.
 */
public final class LlamaCpp {

  public static final String VERSION = "3.22.1";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(10);

  private final Path dir;
  private final Path script;
  private Duration timeout = Duration.ofMinutes(10);

  private LlamaCpp(Path dir, Path script) {
    this.dir = dir;
    this.script = script;
  }

  /** The harness, installing node-llama-cpp into its directory first if it is not there. */
  public static LlamaCpp installed() {
    Path dir = directory();
    Path script = repoRoot().resolve("tests/src/test/node/llama_check.mjs");
    if (!Files.isRegularFile(script)) {
      throw new IllegalStateException("the harness script is missing: " + script);
    }
    requireNode();
    install(dir);
    return new LlamaCpp(dir, script);
  }

  /** Where node-llama-cpp lives: pretrain.llama.cpp.dir, PRETRAIN_LLAMA_CPP_DIR, or the build dir. */
  public static Path directory() {
    String configured = System.getProperty("pretrain.llama.cpp.dir", System.getenv("PRETRAIN_LLAMA_CPP_DIR"));
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured).toAbsolutePath();
    }
    return buildDir().resolve("node-llama-cpp");
  }

  public Path dir() {
    return dir;
  }

  public LlamaCpp timeout(Duration timeout) {
    this.timeout = timeout;
    return this;
  }

  /** Runs one request (see llama_check.mjs) and returns the answer. */
  public JsonNode run(ObjectNode request) {
    try {
      Path work = Files.createTempDirectory("llama-check");
      try {
        Path in = work.resolve("request.json");
        Path out = work.resolve("answer.json");
        Path err = work.resolve("stderr.txt");
        JSON.writeValue(in.toFile(), request);
        ProcessBuilder pb = new ProcessBuilder("node", script.toString(), in.toString())
            .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("PRETRAIN_LLAMA_CPP_DIR", dir.toString());
        int rc = waitFor(pb.start(), timeout, "node " + script.getFileName());
        if (rc != 0) {
          throw new IllegalStateException("llama_check.mjs exited " + rc + ": " + tail(err));
        }
        return JSON.readTree(out.toFile());
      } finally {
        deleteTree(work);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Installs the package unless that exact version is there; one installer at a time (a file lock). */
  static void install(Path dir) {
    if (isInstalled(dir)) {
      return;
    }
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch");
    if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
      throw new IllegalStateException("the llama.cpp harness installs the prebuilt build for Linux x64 only, not "
          + os + "/" + arch + " (@node-llama-cpp/linux-x64)");
    }
    requireTool("npm", "npm (Node.js's package manager, on PATH)");
    try {
      Files.createDirectories(dir);
      try (FileChannel ch = FileChannel.open(dir.resolve(".install.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock lock = ch.lock()) {
        if (isInstalled(dir)) {
          return;
        }
        // --ignore-scripts: no postinstall (it would try to download or build llama.cpp);
        // --omit=optional: of the 14 platform builds only the one named here (the CPU build for Linux x64)
        List<String> cmd = List.of("npm", "install", "--prefix", dir.toString(), "--ignore-scripts", "--omit=optional",
            "--no-audit", "--no-fund", "--loglevel=error", "node-llama-cpp@" + VERSION, "@node-llama-cpp/linux-x64@" + VERSION);
        Path log = dir.resolve("npm-install.log");
        int rc = waitFor(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start(),
            INSTALL_TIMEOUT, "npm install");
        if (rc != 0 || !isInstalled(dir)) {
          throw missing("the npm package node-llama-cpp@" + VERSION + " with @node-llama-cpp/linux-x64 in "
              + dir + " (`" + String.join(" ", cmd) + "` exited " + rc + ": " + tail(log) + ")");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static boolean isInstalled(Path dir) {
    Path pkg = dir.resolve("node_modules/node-llama-cpp/package.json");
    Path addon = dir.resolve("node_modules/@node-llama-cpp/linux-x64/bins/linux-x64/llama-addon.node");
    try {
      return Files.isRegularFile(pkg) && Files.isRegularFile(addon)
          && VERSION.equals(JSON.readTree(pkg.toFile()).path("version").asText());
    } catch (IOException e) {
      return false;
    }
  }

  /** Node.js 20 or later on PATH (node-llama-cpp 3 needs 20). */
  static void requireNode() {
    String version = requireTool("node", "Node.js 20 or later (`node` on PATH)");
    int major = Integer.parseInt(version.replaceFirst("^v", "").split("\\.")[0]);
    if (major < 20) {
      throw missing("Node.js 20 or later: `node --version` says " + version);
    }
  }

  /** The tool's `--version` output; a failure naming it when it cannot run. */
  private static String requireTool(String tool, String what) {
    try {
      Process p = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (waitFor(p, Duration.ofMinutes(1), tool + " --version") != 0) {
        throw missing(what + ": `" + tool + " --version` failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw missing(what + ": " + e.getMessage());
    }
  }

  private static int waitFor(Process p, Duration timeout, String what) {
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(what + " did not finish within " + timeout);
      }
      return p.exitValue();
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException(what + " interrupted", e);
    }
  }

  private static String tail(Path file) {
    try {
      String s = Files.readString(file, StandardCharsets.UTF_8);
      return s.length() > 4000 ? "..." + s.substring(s.length() - 4000) : s;
    } catch (IOException e) {
      return "(" + file + " unreadable: " + e.getMessage() + ")";
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    List<Path> paths = new ArrayList<>();
    try (var s = Files.walk(dir)) {
      s.forEach(paths::add);
    }
    for (int i = paths.size() - 1; i >= 0; i--) {
      Files.deleteIfExists(paths.get(i));
    }
  }

  /** A failure naming what is missing (tests here never skip for a missing tool). */
  public static AssertionError missing(String what) {
    return new AssertionError("missing: " + what);
  }

  /** {@code <module>/<build dir>}: the parent of test-classes, whatever -Dpretrain.build.dir says. */
  static Path buildDir() {
    try {
      return Path.of(LlamaCpp.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getParent();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static Path repoRoot() {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      if (Files.isDirectory(d.resolve("recipes")) && Files.isRegularFile(d.resolve("pom.xml"))) {
        return d;
      }
    }
    throw new IllegalStateException("repository root not found above " + Path.of("").toAbsolutePath());
  }
}
