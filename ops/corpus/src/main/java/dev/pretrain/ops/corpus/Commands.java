package dev.pretrain.ops.corpus;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the machine's package clients (apt-get, apt-cache, dpkg-deb, npm, tar) and captures their output. */
final class Commands {

  record Output(int exitCode, String stdout, String stderr) {
    boolean ok() {
      return exitCode == 0;
    }
  }

  private static final long TIMEOUT_MINUTES = 10;

  private Commands() {}

  /** Runs a command; a non-zero exit is returned, not thrown (callers decide what it means). */
  static Output run(Path workDir, List<String> command) {
    ProcessBuilder pb = new ProcessBuilder(command);
    if (workDir != null) {
      pb.directory(workDir.toFile());
    }
    Map<String, String> env = pb.environment();
    env.put("DEBIAN_FRONTEND", "noninteractive");
    env.put("LC_ALL", "C");
    // npm: no network side trips besides the package itself.
    env.put("npm_config_update_notifier", "false");
    env.put("npm_config_fund", "false");
    env.put("npm_config_audit", "false");
    Path errFile = null;
    try {
      errFile = Files.createTempFile("corpus-cmd", ".err");
      pb.redirectError(errFile.toFile());
      pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      Process p = pb.start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new CorpusException(String.join(" ", command) + ": no exit after " + TIMEOUT_MINUTES + " minutes");
      }
      return new Output(p.exitValue(), new String(out, StandardCharsets.UTF_8),
          Files.readString(errFile, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new CorpusException("cannot run " + command.get(0) + " (" + String.join(" ", command) + "): "
          + e.getMessage() + " - the corpus fetch uses the machine's package clients", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CorpusException("interrupted: " + String.join(" ", command), e);
    } finally {
      if (errFile != null) {
        try {
          Files.deleteIfExists(errFile);
        } catch (IOException ignored) {
          // a temp file left behind is harmless
        }
      }
    }
  }

  /** Reads a command's standard output as a stream. */
  @FunctionalInterface
  interface StreamReader<T> {
    T read(java.io.InputStream stdout) throws IOException;
  }

  /**
   * Runs a command that must succeed and hands its standard output to {@code reader} as it comes
   * (for outputs too large to hold, e.g. a package's data tar). Output the reader leaves is drained.
   */
  static <T> T stream(List<String> command, StreamReader<T> reader) {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("LC_ALL", "C");
    Path errFile = null;
    try {
      errFile = Files.createTempFile("corpus-cmd", ".err");
      pb.redirectError(errFile.toFile());
      pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      Process p = pb.start();
      T result;
      try (java.io.InputStream out = p.getInputStream()) {
        result = reader.read(out);
        out.transferTo(java.io.OutputStream.nullOutputStream());
      } catch (IOException | RuntimeException e) {
        p.destroyForcibly();
        throw e;
      }
      if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new CorpusException(String.join(" ", command) + ": no exit after " + TIMEOUT_MINUTES + " minutes");
      }
      if (p.exitValue() != 0) {
        throw new CorpusException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): "
            + tail(Files.readString(errFile, StandardCharsets.UTF_8)));
      }
      return result;
    } catch (IOException e) {
      throw new CorpusException(String.join(" ", command) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CorpusException("interrupted: " + String.join(" ", command), e);
    } finally {
      if (errFile != null) {
        try {
          Files.deleteIfExists(errFile);
        } catch (IOException ignored) {
          // a temp file left behind is harmless
        }
      }
    }
  }

  /** Runs a command that must succeed. */
  static Output check(Path workDir, List<String> command) {
    Output o = run(workDir, command);
    if (!o.ok()) {
      throw new CorpusException(String.join(" ", command) + " failed (exit " + o.exitCode() + "): "
          + tail(o.stderr().isBlank() ? o.stdout() : o.stderr()));
    }
    return o;
  }

  static String tail(String s) {
    String t = s.strip();
    return t.length() > 2000 ? "..." + t.substring(t.length() - 2000) : t;
  }
}
