package dev.pretrain.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.documents.SourceRepository;
import dev.pretrain.db.runs.RunRepository;
import dev.pretrain.ops.client.RunClient;
import dev.pretrain.ops.config.PretrainConfig;
import dev.pretrain.workflows.StepNames;
import dev.pretrain.workflows.run.RunRequest;
import dev.pretrain.workflows.run.RunSummary;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The sovereignty policy on the real stack: two worker processes, one in region eu and one in us, a
 * bucket each on the S3 server, and a source of jurisdiction EU in the sources table. A run that asks
 * for region us is refused before ingest with a message naming the source, its jurisdiction and the
 * region it needs; a run that asks for eu runs on the eu queue and writes only to the eu bucket, as
 * lineage (step_executions, artifacts) shows.
 */
class SovereigntyEndToEndTest {

  static final String POLICY = """
      regions:
        eu: {bucket: pretrain-eu}
        us: {bucket: pretrain-us}
      jurisdictions:
        EU: {store: [eu], process: [eu]}
        "*": {store: [eu, us], process: [eu, us]}
      """;

  static RealStack stack;
  static Path policy;
  static final List<Process> workers = new ArrayList<>();
  static final List<Path> logs = new ArrayList<>();
  static RunClient runs;
  static WorkflowClient client;

  @BeforeAll
  static void up() throws Exception {
    // whatever happens to this JVM, the worker processes go with it
    Runtime.getRuntime().addShutdownHook(new Thread(() -> workers.forEach(Process::destroyForcibly)));
    Path dataDir = Path.of("target", "e2e-sovereignty").toAbsolutePath();
    stack = RealStack.start(dataDir);
    policy = Files.writeString(dataDir.resolve("sovereignty.yaml"), POLICY);
    workers.add(startWorker(stack.config, "eu"));
    workers.add(startWorker(stack.config, "us"));

    SourceRepository sources = new SourceRepository(stack.database.jdbc());
    sources.upsert(new SourceRepository.Source("debian-handbook", "debian", "debian-handbook", "12.20240201",
        "sha256", "0".repeat(64), "GPL-2+", "EU", 1, 1, Instant.now()));
    sources.upsert(new SourceRepository.Source("fortunes-min", "debian", "fortunes-min", "1:1.99.1-7.3",
        "sha256", "1".repeat(64), "BSD-3-Clause", "US", 1, 1, Instant.now()));
    var store = stack.config.objectStore();
    store.ensureBucket("corpus");
    for (String source : List.of("debian-handbook", "fortunes-min")) {
      StringBuilder jsonl = new StringBuilder();
      for (int i = 0; i < 20; i++) {
        jsonl.append("{\"id\":\"").append(source).append('-').append(i).append("\",\"text\":\"Paragraph ").append(i)
            .append(" of ").append(source).append(": a short text that says something plain about packages.\",")
            .append("\"source\":\"").append(source).append("\"}\n");
      }
      Path f = Files.writeString(dataDir.resolve(source + ".jsonl"), jsonl);
      store.putFile("corpus", "sov/" + source + "/part-00000.jsonl", f, "application/jsonl");
    }
    for (Process w : workers) {
      awaitPolling(w, logs.get(workers.indexOf(w)));
    }
    client = stack.temporal.client("sovereignty-test");
    runs = new RunClient(client);
  }

  @AfterAll
  static void down() throws InterruptedException {
    for (Process w : workers) {
      w.destroy();
    }
    for (Process w : workers) {
      if (!w.waitFor(40, TimeUnit.SECONDS)) {
        w.destroyForcibly();
      }
    }
    if (stack != null) {
      stack.close();
    }
  }

  static RunRequest request(String runId, String region) {
    return new RunRequest(runId, "sov", List.of("s3://corpus/sov/"), stack.config.bucket(),
        new RunRequest.IngestParams(2L << 20, 1L << 20, "unknown", RunRequest.IngestParams.KEEP, null),
        RunRequest.TokenizeParams.defaults(), null, null, StepNames.DEDUP, new RunRequest.Sovereignty(region, null));
  }

  @Test
  void aRunThatAsksForTheWrongRegionIsRefusedBeforeIngestAndOneThatCompliesRunsThere() {
    // refused: the EU source may not be processed in us
    String refusedId = "sov-us-" + System.currentTimeMillis();
    String wf = runs.start(request(refusedId, "us"));
    WorkflowFailedException failed = assertThrows(WorkflowFailedException.class,
        () -> runs.follow(wf, System.err, Duration.ofSeconds(1)));
    ApplicationFailure cause = (ApplicationFailure) failed.getCause();
    String expected = "source 'debian-handbook' (jurisdiction EU) may only be processed in [eu] (rule EU: process [eu],"
        + " store [eu]); the run asks for region us; regions where every source of the run may go: [eu]"
        + " (recipe: region: eu)";
    System.err.println("refusal: " + cause.getOriginalMessage());
    assertEquals("PolicyViolation", cause.getType());
    assertEquals(expected, cause.getOriginalMessage());
    List<String> scheduled = new ArrayList<>();
    for (HistoryEvent e : client.fetchHistory(wf).getEvents()) {
      if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
        scheduled.add(e.getActivityTaskScheduledEventAttributes().getActivityType().getName());
      }
    }
    assertEquals(List.of("RunStarted", "Plan", "RunFinished"), scheduled, "no step activity was scheduled");
    RunRepository runRepo = new RunRepository(stack.database.jdbc());
    assertEquals("refused", runRepo.find(refusedId).orElseThrow().status());
    assertEquals(expected, runRepo.find(refusedId).orElseThrow().error());
    assertEquals("refused", runRepo.step(refusedId, "ingest").orElseThrow().status());
    assertEquals(0, count("SELECT COUNT(*) FROM step_executions WHERE run_id = ?", refusedId));
    assertEquals(0, count("SELECT COUNT(*) FROM artifacts WHERE run_id = ?", refusedId));
    assertFalse(stack.config.objectStore().bucketExists("pretrain-us"), "nothing was written for the refused run");
    // debian-handbook refused for ingest and dedup; fortunes-min (US) allowed for both
    assertEquals(2, count("SELECT COUNT(*) FROM placement_decisions WHERE run_id = ? AND decision = 'refused'"
        + " AND source = 'debian-handbook'", refusedId));
    assertEquals(2, count("SELECT COUNT(*) FROM placement_decisions WHERE run_id = ? AND decision = 'allowed'"
        + " AND source = 'fortunes-min'", refusedId));
    Cli.Result status = Cli.run(stack.config, "status", refusedId);
    assertEquals(0, status.exitCode());
    assertTrue(status.stdout().contains(": refused") && status.stdout().contains(expected), status.stdout());

    // compliant: region eu, its queue and bucket
    String euId = "sov-eu-" + System.currentTimeMillis();
    RunSummary eu = runs.follow(runs.start(request(euId, "eu")), System.err, Duration.ofSeconds(1));
    assertEquals("completed", eu.status());
    List<Map<String, Object>> where = stack.database.jdbc().queryForList(
        "SELECT DISTINCT step, task_queue, worker_region FROM step_executions WHERE run_id = ? ORDER BY step", euId);
    assertEquals(List.of(
        Map.of("step", "dedup", "task_queue", "pretrain-eu", "worker_region", "eu"),
        Map.of("step", "ingest", "task_queue", "pretrain-eu", "worker_region", "eu")), where.stream()
            .map(m -> Map.of("step", m.get("step"), "task_queue", m.get("task_queue"), "worker_region",
                m.get("worker_region"))).toList());
    List<ArtifactRepository.Artifact> artifacts = new ArtifactRepository(stack.database.jdbc()).byRun(euId);
    assertFalse(artifacts.isEmpty());
    assertTrue(artifacts.stream().allMatch(a -> a.uri().startsWith("s3://pretrain-eu/runs/" + euId + "/")),
        artifacts.toString());
    assertTrue(Cli.run(stack.config, "status", euId).stdout().contains("allowed in region eu, bucket pretrain-eu"));
    // lineage shows where each step ran and the placement the policy decided
    String lineage = Cli.run(stack.config, "lineage", euId).stdout();
    assertTrue(lineage.contains("Where each step ran") && lineage.matches("(?s).*ingest +\\w+ +pretrain-eu .* eu .*"),
        lineage);
    assertTrue(lineage.contains("Placement under the sovereignty policy") && lineage.contains("queue pretrain-eu"),
        lineage);
  }

  private static int count(String sql, String runId) {
    return stack.database.jdbc().queryForObject(sql, Integer.class, runId);
  }

  /** {@code pretrain worker --region R --policy FILE} as its own process, as an operator starts one. */
  static Process startWorker(PretrainConfig cfg, String region) throws IOException {
    Path log = Files.createDirectories(cfg.dataDir().resolve("logs")).resolve("worker-" + region + ".log");
    logs.add(log);
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-cp", cp, "dev.pretrain.ops.PretrainCli",
        "--data-dir", cfg.dataDir().toString(), "--temporal", cfg.temporalAddress(), "--namespace", cfg.namespace(),
        "--s3-endpoint", cfg.s3Endpoint(), "--s3-access-key", cfg.s3AccessKey(),
        "--jdbc-url", cfg.jdbcUrl(), "--jdbc-user", cfg.jdbcUser(), "--bucket", cfg.bucket(),
        "worker", "--region", region, "--policy", policy.toString(), "--model-queue", "none",
        "--metrics-port", "0", "--max-activities", "2")
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("PRETRAIN_"));
    pb.environment().put("PRETRAIN_S3_SECRET_KEY", cfg.s3SecretKey());
    pb.environment().put("PRETRAIN_JDBC_PASSWORD", cfg.jdbcPassword());
    return pb.start();
  }

  static void awaitPolling(Process p, Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      String out = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
      if (out.contains("polling task queue")) {
        return;
      }
      if (!p.isAlive()) {
        throw new IllegalStateException("worker exited with " + p.exitValue() + ":\n" + out);
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("worker did not start polling: " + Files.readString(log));
  }
}
