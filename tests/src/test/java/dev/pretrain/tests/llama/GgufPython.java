package dev.pretrain.tests.llama;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Python with llama.cpp's own GGUF library (PyPI's gguf, the gguf-py of the llama.cpp repository)
 * and numpy: a venv in {@code <build dir>/gguf-venv}, made on first use. It runs
 * {@code tests/src/test/python/tiny_llama_gguf.py}, which writes a small GGUF and the log-probabilities
 * a numpy forward pass gives it.
 */
public final class GgufPython {

  /** Pinned: the file layout and the reference numbers must not move under the tests. */
  static final List<String> PACKAGES = List.of("gguf==0.19.0", "numpy==2.4.6", "regex==2026.12.2");

  private GgufPython() {}

  /** The venv's python, created and filled if it is not there yet. */
  public static Path python() {
    Path venv = LlamaCpp.buildDir().resolve("gguf-venv");
    Path python = venv.resolve("bin/python");
    Path marker = venv.resolve("pretrain-packages.txt");
    String wanted = String.join("\n", PACKAGES);
    try {
      Files.createDirectories(venv.getParent());
      try (FileChannel ch = FileChannel.open(venv.getParent().resolve("gguf-venv.lock"), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE); FileLock lock = ch.lock()) {
        if (Files.isExecutable(python) && Files.isRegularFile(marker) && Files.readString(marker).equals(wanted)) {
          return python;
        }
        run(List.of("python3", "-m", "venv", "--clear", venv.toString()),
            "Python 3 with venv (`python3 -m venv`; Debian: python3-venv)");
        List<String> pip = new ArrayList<>(List.of(venv.resolve("bin/pip").toString(), "install", "--quiet"));
        pip.addAll(PACKAGES);
        run(pip, "the PyPI packages " + PACKAGES + " in " + venv);
        Files.writeString(marker, wanted);
        return python;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes {@code out.gguf} and {@code out.expected.json} with tiny_llama_gguf.py. */
  public static void tinyLlama(Path out, String... args) {
    List<String> cmd = new ArrayList<>(List.of(python().toString(),
        LlamaCpp.repoRoot().resolve("tests/src/test/python/tiny_llama_gguf.py").toString(), out.toString()));
    cmd.addAll(List.of(args));
    run(cmd, null);
  }

  private static void run(List<String> cmd, String missing) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", cmd) + " did not finish within 10 minutes");
      }
      if (p.exitValue() != 0) {
        String what = String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out;
        if (missing == null) {
          throw new IllegalStateException(what);
        }
        throw LlamaCpp.missing(missing + " (" + what + ")");
      }
    } catch (IOException e) {
      if (missing == null) {
        throw new UncheckedIOException(e);
      }
      throw LlamaCpp.missing(missing + " (" + e.getMessage() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
