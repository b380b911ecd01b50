package dev.pretrain.ops.stack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code temporal server start-dev} as a child process, with its state in a SQLite file under the
 * data directory, bound to 127.0.0.1 only, output appended to {@code <data>/logs/temporal.log}.
 */
final class TemporalDevServer implements AutoCloseable {

  private final Process process;
  private final Path logFile;

  private TemporalDevServer(Process process, Path logFile) {
    this.process = process;
    this.logFile = logFile;
  }

  static List<String> command(Path binary, Path dbFile, int port, int uiPort, List<String> searchAttributes) {
    List<String> cmd = new ArrayList<>(List.of(binary.toString(), "server", "start-dev",
        "--db-filename", dbFile.toString(),
        "--sqlite-pragma", "journal_mode=WAL",
        "-p", Integer.toString(port),
        "--ui-port", Integer.toString(uiPort),
        "--ip", "127.0.0.1",
        "--ui-ip", "127.0.0.1",
        // No network beyond the package registries here, and a local UI has no use for a newsfeed.
        "--ui-disable-news-fetch",
        "--log-level", "warn"));
    for (String spec : searchAttributes) { // Name=Type
      cmd.add("--search-attribute");
      cmd.add(spec);
    }
    return cmd;
  }

  static TemporalDevServer start(Path binary, Path dataDir, int port, int uiPort, List<String> searchAttributes)
      throws IOException {
    Path dir = Files.createDirectories(dataDir.resolve("temporal"));
    Path logs = Files.createDirectories(dataDir.resolve("logs"));
    Path logFile = logs.resolve("temporal.log");
    List<String> cmd = command(binary, dir.resolve("temporal.db"), port, uiPort, searchAttributes);
    Files.writeString(logFile, "---- " + java.time.Instant.now() + " " + String.join(" ", cmd) + "\n",
        StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    Process p = new ProcessBuilder(cmd)
        .directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .start();
    return new TemporalDevServer(p, logFile);
  }

  long pid() {
    return process.pid();
  }

  java.util.concurrent.CompletableFuture<Process> onExit() {
    return process.onExit();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  Path logFile() {
    return logFile;
  }

  /** The last lines of the server's log, for error messages. */
  String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(cannot read " + logFile + ": " + e.getMessage() + ")";
    }
  }

  /** SIGTERM, then waits for the server to flush SQLite and exit; SIGKILL only if it hangs. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
