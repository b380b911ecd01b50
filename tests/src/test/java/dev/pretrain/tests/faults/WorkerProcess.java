package dev.pretrain.tests.faults;

import dev.pretrain.ops.config.PretrainConfig;
import dev.pretrain.ops.worker.PipelineWorker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code pretrain worker} as a separate OS process ({@code java -cp <test classpath>
 * dev.pretrain.ops.PretrainCli worker}), with the stack's endpoints as flags, the secrets and the
 * fault directory in its environment ({@code PRETRAIN_FAULT_DIR}) and its output in {@code <data>/logs/worker-N.log}. Every process started
 * here is killed when the test JVM exits, whatever happened.
 */
final class WorkerProcess implements AutoCloseable {

  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
  private static int started;

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly),
        "fault-suite-workers"));
  }

  final Process process;
  final Path log;

  private WorkerProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** The classpath of this test JVM: surefire's own property when it runs from a manifest-only jar. */
  static String classpath() {
    String cp = System.getProperty("surefire.test.class.path");
    return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
  }

  static synchronized WorkerProcess start(PretrainConfig cfg, Path faultDir) {
    try {
      Path logs = Files.createDirectories(cfg.dataDir().resolve("logs"));
      Path log = logs.resolve("worker-" + (++started) + ".log");
      List<String> cmd = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx1g",
          // one libtorch thread: with two, float sums in the backward pass may be ordered differently
          // from one process to the next, and the final loss of identical runs then differs (seen:
          // 10.676334 vs 10.676262 after 20 steps); with one, a run resumed from a checkpoint must
          // reproduce the uninterrupted run bit for bit
          "-D" + dev.pretrain.activities.train.ModelRuntime.THREADS_PROPERTY + "=1",
          "-cp", classpath(), "dev.pretrain.ops.PretrainCli",
          "--data-dir", cfg.dataDir().toString(),
          "--temporal", cfg.temporalAddress(), "--namespace", cfg.namespace(),
          "--temporal-ui", cfg.temporalUi(),
          "--s3-endpoint", cfg.s3Endpoint(), "--s3-access-key", cfg.s3AccessKey(),
          "--jdbc-url", cfg.jdbcUrl(), "--jdbc-user", cfg.jdbcUser(),
          "--bucket", cfg.bucket(),
          "worker", "--metrics-port", "0", "--max-activities", "2"));
      ProcessBuilder pb = new ProcessBuilder(cmd)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      pb.environment().put(PipelineWorker.FAULT_DIR_ENV, faultDir.toString());
      pb.environment().keySet().removeIf(k -> k.startsWith("PRETRAIN_") && !k.equals(PipelineWorker.FAULT_DIR_ENV));
      // secrets have no flags: a worker gets them from its environment
      pb.environment().put("PRETRAIN_S3_SECRET_KEY", cfg.s3SecretKey());
      pb.environment().put("PRETRAIN_JDBC_PASSWORD", cfg.jdbcPassword());
      Process p = pb.start();
      LIVE.add(p);
      WorkerProcess w = new WorkerProcess(p, log);
      w.awaitPolling(Duration.ofSeconds(90));
      return w;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  long pid() {
    return process.pid();
  }

  private void awaitPolling(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      String out = output();
      if (out.contains("polling task queue")) {
        return;
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("worker exited with " + process.exitValue() + ":\n" + out);
      }
      sleep(200);
    }
    throw new IllegalStateException("worker did not start polling within " + timeout + ":\n" + output());
  }

  String output() {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "(cannot read " + log + ")";
    }
  }

  /** {@code kill -9}: {@link Process#destroyForcibly} sends SIGKILL on Linux. */
  void kill9() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    LIVE.remove(process);
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(40, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    LIVE.remove(process);
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    }
  }
}
