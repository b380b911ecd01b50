package dev.pretrain.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.db.Database;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.documents.DocumentRepository;
import dev.pretrain.db.runs.RunRepository;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.ops.config.PretrainConfig;
import dev.pretrain.ops.stack.LocalStack;
import dev.pretrain.ops.stack.TemporalBinary;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The production configuration: the same jar against PostgreSQL, an independent S3 server
 * (SeaweedFS, not S3Proxy) and the Temporal server, configured by address only. Runs the real
 * {@code pretrain demo --quick} through the CLI in this JVM; demo finds all three answering, so it
 * starts none of the local stack (no S3Proxy, no H2) and only its in-process worker. Then a second
 * demo, answered from the step cache, and the CLI's queries ({@code runs}, {@code status},
 * {@code lineage}) on PostgreSQL.
 *
 * <p>Needs PostgreSQL ({@code PRETRAIN_TEST_PG_URL}, {@code PRETRAIN_TEST_PG_USER},
 * {@code PRETRAIN_TEST_PG_PASSWORD}; defaults: what {@code tests/run} creates) and the {@code weed}
 * binary ({@code PRETRAIN_WEED_BIN}, {@code weed} on PATH, or {@code .pretrain/tools/venv/bin/weed}).
 * Without them it fails, naming what is missing. Each run gets a fresh schema ({@value #SCHEMA}, dropped and created) and a fresh SeaweedFS
 * and Temporal state; the corpus download cache under its data directory is kept between runs.
 */
class ProductionConfigEndToEndTest {

  static final int TEMPORAL_PORT = 51233;
  static final int UI_PORT = 51234;
  /** SeaweedFS: master, volume, filer and S3 gateway, HTTP and gRPC each, all within 51333..51399. */
  static final int WEED_MASTER = 51333;
  static final int WEED_MASTER_GRPC = 51334;
  static final int WEED_VOLUME = 51335;
  static final int WEED_VOLUME_GRPC = 51336;
  static final int WEED_FILER = 51337;
  static final int WEED_FILER_GRPC = 51338;
  static final int WEED_S3 = 51339;
  static final int WEED_S3_GRPC = 51340;

  static final String SCHEMA = "pretrain_prod_e2e";
  static final String ACCESS_KEY = "prod-e2e";
  static final String SECRET_KEY = "prod-e2e-secret-7f3a";
  static final ObjectMapper JSON = new ObjectMapper();

  static Path dataDir;
  static Process weed;
  static LocalStack temporal;
  static Database database;
  static PretrainConfig cfg;
  static JsonNode report;
  static String runId;
  static long wallMillis;
  static JsonNode cachedReport;
  static long cachedWallMillis;

  @BeforeAll
  static void runDemoOnTheProductionConfiguration() throws Exception {
    dataDir = Path.of("target", "prod-e2e").toAbsolutePath();
    for (String state : new String[] {"temporal", "seaweedfs", "s3", "h2", "work"}) {
      deleteTree(dataDir.resolve(state));
    }
    Files.createDirectories(dataDir);

    Optional<Path> weedBin = findWeed();
    if (weedBin.isEmpty()) {
      missing("the SeaweedFS binary `weed` (PRETRAIN_WEED_BIN, PATH, or .pretrain/tools/venv/bin/weed)");
    }

    // PostgreSQL: a fresh schema of the test database
    String pgUrl = env("PRETRAIN_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/pretrain");
    String pgUser = env("PRETRAIN_TEST_PG_USER", "pretrain");
    String pgPassword = env("PRETRAIN_TEST_PG_PASSWORD", "pretrain-ci");
    try (Connection c = DriverManager.getConnection(pgUrl, pgUser, pgPassword); Statement st = c.createStatement()) {
      st.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
      st.execute("CREATE SCHEMA " + SCHEMA);
    } catch (SQLException e) {
      missing("PostgreSQL at " + pgUrl + " (user " + pgUser + "): " + e.getMessage());
    }
    String jdbcUrl = pgUrl + (pgUrl.contains("?") ? "&" : "?") + "currentSchema=" + SCHEMA;

    ensureTemporalBinary();

    cfg = new PretrainConfig(dataDir, "127.0.0.1:" + TEMPORAL_PORT, "default", "http://localhost:" + UI_PORT,
        "http://127.0.0.1:" + WEED_S3, ACCESS_KEY, SECRET_KEY, "us-east-1", jdbcUrl, pgUser, pgPassword, "pretrain",
        Map.of(), 0);

    weed = startSeaweedFs(weedBin.get());
    Runtime.getRuntime().addShutdownHook(new Thread(ProductionConfigEndToEndTest::stopWeed));
    awaitS3(cfg.objectStore(), Duration.ofSeconds(90));

    // the Temporal server only: S3 and the database are the production ones above
    temporal = LocalStack.start(LocalStack.Options.defaults(dataDir)
        .withPorts(TEMPORAL_PORT, UI_PORT, WEED_S3, 0)
        .only(true, false, false)
        .withTestServerFallback(false), System.err);
    Runtime.getRuntime().addShutdownHook(new Thread(temporal::close)); // idempotent; also if the JVM is killed

    long t0 = System.nanoTime();
    Cli.Result demo = Cli.run(cfg, "--json", "demo", "--quick");
    wallMillis = (System.nanoTime() - t0) / 1_000_000;
    System.err.printf("ProductionConfigEndToEndTest: demo --quick on PostgreSQL + SeaweedFS + Temporal took %.1f s%n",
        wallMillis / 1000.0);
    assertEquals(0, demo.exitCode(), "demo --quick exit code; stdout:\n" + demo.stdout());
    String out = demo.stdout();
    report = JSON.readTree(out.substring(out.indexOf('{')));
    runId = report.path("runId").asText();

    // The same demo again: every step from the step cache, after its artifacts are re-read from
    // SeaweedFS. With a worker of the test's own, which demo finds and uses: demo judges "a worker is
    // running" by the task queue's pollers of the last 90 s, which still list the worker the first
    // demo has just stopped, so a second demo within 90 s would otherwise wait for a worker forever.
    Cli.Result again;
    long t1;
    try (dev.pretrain.ops.client.TemporalService t = dev.pretrain.ops.client.TemporalService.connect(
        cfg.temporalAddress(), cfg.namespace())) {
      dev.pretrain.ops.worker.PipelineWorker worker = dev.pretrain.ops.worker.PipelineWorker.start(cfg, t, 2);
      try {
        t1 = System.nanoTime();
        again = Cli.run(cfg, "--json", "demo", "--quick");
      } finally {
        worker.close();
      }
    }
    cachedWallMillis = (System.nanoTime() - t1) / 1_000_000;
    System.err.printf("ProductionConfigEndToEndTest: the second demo --quick (step cache) took %.1f s%n",
        cachedWallMillis / 1000.0);
    assertEquals(0, again.exitCode(), "second demo --quick exit code; stdout:\n" + again.stdout());
    cachedReport = JSON.readTree(again.stdout().substring(again.stdout().indexOf('{')));
    database = Database.open(jdbcUrl, pgUser, pgPassword);
  }

  @AfterAll
  static void stop() {
    if (database != null) {
      database.close();
    }
    if (temporal != null) {
      temporal.close();
    }
    stopWeed();
  }

  @Test
  void theRunCompletedWithEveryStep() {
    assertEquals("completed", report.path("status").asText(), report.toPrettyString());
    Set<String> steps = new java.util.LinkedHashSet<>();
    report.path("steps").forEach(s -> steps.add(s.path("step").asText()));
    assertTrue(steps.containsAll(List.of("ingest", "dedup", "tokenize", "train", "evaluate", "quantize")),
        steps.toString());
    System.err.println("ProductionConfigEndToEndTest: wall time of demo --quick: " + wallMillis + " ms");
  }

  @Test
  void aSecondDemoTakesEveryStepFromTheStepCache() {
    assertEquals("completed", cachedReport.path("status").asText(), cachedReport.toPrettyString());
    assertFalse(cachedReport.path("runId").asText().equals(runId));
    for (JsonNode s : cachedReport.path("steps")) {
      assertEquals(0, s.path("computed").asInt(), "computed again: " + s);
      assertTrue(s.path("cacheHits").asInt() > 0, "cache hits: " + s);
    }
    long verified = database.jdbc().queryForObject("SELECT COUNT(*) FROM step_executions WHERE run_id = ?"
        + " AND outcome = 'cache-hit'", Long.class, cachedReport.path("runId").asText());
    assertTrue(verified > 0, "cache hits recorded in step_executions");
    System.err.println("ProductionConfigEndToEndTest: wall time of the cached demo --quick: " + cachedWallMillis + " ms");
  }

  @Test
  void cliQueriesRunOnPostgreSql() {
    Cli.Result runs = Cli.run(cfg, "--json", "runs");
    assertEquals(0, runs.exitCode(), runs.stdout());
    assertTrue(runs.stdout().contains(runId), runs.stdout());
    Cli.Result status = Cli.run(cfg, "--json", "status", runId);
    assertEquals(0, status.exitCode(), status.stdout());
    assertTrue(status.stdout().contains("\"completed\""), status.stdout());
    String model = database.jdbc().queryForObject("SELECT uri FROM artifacts WHERE run_id = ? AND uri LIKE ?",
        String.class, runId, "%/model-q8_0.bin");
    Cli.Result lineage = Cli.run(cfg, "--json", "lineage", model);
    assertEquals(0, lineage.exitCode(), lineage.stdout());
    assertTrue(lineage.stdout().contains("linux-doc"), "lineage of the quantized model reaches its sources");
    String doc = database.jdbc().queryForObject("SELECT MIN(doc_id) FROM documents", String.class);
    Cli.Result docLineage = Cli.run(cfg, "--json", "lineage", doc);
    assertEquals(0, docLineage.exitCode(), docLineage.stdout());
  }

  @Test
  void demoStartedNoneOfTheLocalStack() {
    // S3Proxy and H2 would have created their directories under the data directory
    assertFalse(Files.exists(dataDir.resolve("s3")), "demo started S3Proxy");
    assertFalse(Files.exists(dataDir.resolve("h2")), "demo started an H2 server");
  }

  @Test
  void flywayMigratedPostgreSqlIncludingSpringBatch() {
    var jdbc = database.jdbc();
    assertEquals("PostgreSQL", jdbc.execute((org.springframework.jdbc.core.ConnectionCallback<String>) c ->
        c.getMetaData().getDatabaseProductName()));
    List<String> versions = jdbc.queryForList(
        "SELECT version FROM flyway_schema_history WHERE version IS NOT NULL AND success ORDER BY installed_rank",
        String.class);
    assertTrue(versions.containsAll(List.of("1", "2", "3", "4")), versions.toString());
    assertEquals(0, jdbc.queryForObject("SELECT COUNT(*) FROM flyway_schema_history WHERE NOT success",
        Integer.class));
    List<String> tables = jdbc.queryForList(
        "SELECT lower(table_name) FROM information_schema.tables WHERE table_schema = ?", String.class, SCHEMA);
    assertTrue(tables.containsAll(List.of("runs", "steps", "artifacts", "artifact_inputs", "documents",
        "artifact_documents", "document_decisions", "quarantine", "evaluations", "step_cache", "step_executions",
        "batch_job_instance", "batch_job_execution", "batch_job_execution_params", "batch_step_execution",
        "batch_job_execution_context", "batch_step_execution_context")), tables.toString());
    // the batch steps ran as Spring Batch jobs whose repository is this database
    long jobs = jdbc.queryForObject("SELECT COUNT(*) FROM batch_job_execution", Long.class);
    assertTrue(jobs > 0, "Spring Batch job executions recorded in PostgreSQL");
    assertEquals(jobs, jdbc.queryForObject("SELECT COUNT(*) FROM batch_job_execution WHERE status = 'COMPLETED'",
        Long.class), "every Spring Batch job completed");
  }

  @Test
  void ourTablesHoldTheRunItsStepsArtifactsAndDocuments() {
    RunRepository runs = new RunRepository(database.jdbc());
    RunRepository.Run run = runs.find(runId).orElseThrow(() -> new AssertionError("no run " + runId));
    assertEquals("completed", run.status());
    Map<String, String> stepStatus = runs.steps(runId).stream()
        .collect(Collectors.toMap(RunRepository.Step::step, RunRepository.Step::status));
    for (String step : List.of("ingest", "dedup", "tokenize", "train", "evaluate", "quantize")) {
      assertEquals("completed", stepStatus.get(step), step + " in " + stepStatus);
    }
    var jdbc = database.jdbc();
    List<ArtifactRepository.Artifact> artifacts = new ArtifactRepository(jdbc).byRun(runId);
    Set<String> kinds = artifacts.stream().map(ArtifactRepository.Artifact::kind).collect(Collectors.toSet());
    assertTrue(kinds.containsAll(List.of("documents", "tokens", "model", "checkpoint")), kinds.toString());
    long documents = jdbc.queryForObject("SELECT COUNT(*) FROM documents WHERE first_run_id = ?", Long.class, runId);
    long kept = step("dedup").path("counts").path("kept").asLong();
    assertTrue(documents >= kept && kept > 0, "documents " + documents + ", kept by dedup " + kept);
    long members = jdbc.queryForObject("SELECT COUNT(*) FROM artifact_documents d JOIN artifacts a"
        + " ON a.uri = d.artifact_uri WHERE a.run_id = ? AND a.kind = 'tokens'", Long.class, runId);
    assertEquals(step("tokenize").path("counts").path("documents").asLong(), members,
        "every tokenized document is a member of a token shard");
    Set<String> labels = Set.copyOf(jdbc.queryForList("SELECT label FROM evaluations WHERE run_id = ?", String.class,
        runId));
    Set<String> expected = new java.util.HashSet<>(List.of("initial", "final", "q8_0"));
    if (stepStatus.containsKey("export")) {
      expected.addAll(List.of("gguf-f16", "gguf-q8_0", "gguf-q4_0")); // each exported type, evaluated as stored
    }
    assertEquals(expected, labels);
    // and each of them per held-out source (Flyway's V12 on PostgreSQL)
    assertEquals(labels, Set.copyOf(jdbc.queryForList("SELECT DISTINCT label FROM evaluation_sources WHERE run_id = ?",
        String.class, runId)));
  }

  @Test
  void everyRecordedArtifactIsInSeaweedFsWithItsSha256() {
    ObjectStore store = cfg.objectStore();
    List<Map<String, Object>> rows = database.jdbc().queryForList(
        "SELECT uri, sha256, size_bytes, storage_endpoint FROM artifacts ORDER BY uri");
    assertTrue(rows.size() > 10, "artifacts recorded: " + rows.size());
    long bytes = 0;
    for (Map<String, Object> row : rows) {
      String uri = (String) row.get("uri");
      assertTrue(uri.startsWith("s3://"), uri);
      URI u = URI.create(uri);
      String bucket = u.getHost();
      String key = u.getPath().substring(1);
      String sha = ((String) row.get("sha256")).trim();
      long size = ((Number) row.get("size_bytes")).longValue();
      ObjectStore.Stored stat = store.stat(bucket, key).orElseThrow(() -> new AssertionError("not in S3: " + uri));
      assertEquals(size, stat.sizeBytes(), uri);
      assertEquals(sha, stat.sha256(), "x-amz-meta-sha256 of " + uri);
      assertEquals(sha, store.sha256Of(bucket, key), "content of " + uri);
      Object endpoint = row.get("storage_endpoint");
      if (endpoint != null) {
        assertEquals(cfg.s3Endpoint(), endpoint, uri);
      }
      bytes += size;
    }
    System.err.println("ProductionConfigEndToEndTest: " + rows.size() + " artifacts, " + bytes
        + " bytes, read back from SeaweedFS and matched their SHA-256");
    // and the run's folder lists from SeaweedFS as recorded
    List<ObjectStore.Stored> listed = store.list(cfg.bucket(), "runs/" + runId + "/");
    Set<String> recorded = rows.stream().map(r -> (String) r.get("uri")).collect(Collectors.toSet());
    assertFalse(listed.isEmpty());
    for (ObjectStore.Stored s : listed) {
      if (s.key().startsWith("runs/" + runId + "/audit/")) {
        continue; // the lineage seal's anchor: recorded in lineage_seals, not an artifact (docs/audit.md)
      }
      String dedup = "runs/" + runId + "/dedup/";
      if (s.key().startsWith(dedup) && s.key().indexOf('/', dedup.length()) > 0) {
        continue; // the dedup stages' entry files (dedup/<stage>/...): passed between stages, not artifacts
      }
      assertTrue(recorded.contains(s.uri()), "listed object is recorded: " + s.uri());
    }
  }

  @Test
  void everyDocumentIsAccountedFor() {
    Map<String, Long> ingest = counts("ingest");
    Map<String, Long> dedup = counts("dedup");
    Map<String, Long> tokenize = counts("tokenize");
    // the recipe runs curation (on by default): what its rules removed is counted too
    assertEquals(ingest.get("records_in"), ingest.get("kept") + ingest.get("rejected") + ingest.get("quarantined")
        + ingest.get("filtered"));
    assertEquals(ingest.get("kept"), dedup.get("documents_in"));
    assertEquals(dedup.get("documents_in"), dedup.get("kept") + dedup.get("duplicates"));
    assertEquals(dedup.get("kept"), tokenize.get("documents"));
    assertEquals(tokenize.get("documents"), tokenize.get("train_documents") + tokenize.get("val_documents"));
    assertTrue(dedup.get("duplicates") > 0, "the two linux-doc versions share identical files: " + dedup);

    DocumentRepository docs = new DocumentRepository(database.jdbc());
    assertEquals(ingest.get("rejected") + ingest.get("quarantined"), (long) docs.quarantine(runId).size());
    assertEquals(dedup.get("duplicates"), docs.decisions(runId, "dedup").stream()
        .filter(d -> d.decision().equals("duplicate") && d.relatedDocId() != null).count());
  }

  // ---------------------------------------------------------------- helpers

  private static JsonNode step(String name) {
    for (JsonNode s : report.path("steps")) {
      if (s.path("step").asText().equals(name)) {
        return s;
      }
    }
    throw new AssertionError("no step " + name + " in " + report);
  }

  private static Map<String, Long> counts(String step) {
    Map<String, Long> m = new HashMap<>();
    step(step).path("counts").fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asLong()));
    return m;
  }

  private static void missing(String what) {
    throw RequiredTools.missing(what);
  }

  private static String env(String name, String dflt) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? dflt : v;
  }

  /** The project root (tests run in the tests module's directory). */
  private static Path repoRoot() {
    Path here = Path.of("").toAbsolutePath();
    return Files.isRegularFile(here.resolve("pretrain")) ? here : here.getParent();
  }

  static Optional<Path> findWeed() {
    String explicit = System.getenv("PRETRAIN_WEED_BIN");
    if (explicit != null && !explicit.isBlank()) {
      return Files.isExecutable(Path.of(explicit)) ? Optional.of(Path.of(explicit)) : Optional.empty();
    }
    String pathEnv = System.getenv("PATH");
    if (pathEnv != null) {
      for (String dir : pathEnv.split(File.pathSeparator)) {
        if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "weed"))) {
          return Optional.of(Path.of(dir, "weed"));
        }
      }
    }
    Path inVenv = repoRoot().resolve(".pretrain/tools/venv/bin/weed");
    return Files.isExecutable(inVenv) ? Optional.of(inVenv) : Optional.empty();
  }

  /** The project's pinned `temporal` (what tests/run installs), so that LocalStack need not install another. */
  private static void ensureTemporalBinary() throws IOException {
    Path project = repoRoot().resolve(".pretrain/tools/venv/bin/temporal");
    Path link = TemporalBinary.venv(dataDir).resolve("bin/temporal");
    if (TemporalBinary.find(dataDir).isEmpty() && Files.isExecutable(project)) {
      Files.createDirectories(link.getParent());
      Files.deleteIfExists(link);
      Files.createSymbolicLink(link, project);
    }
  }

  /**
   * {@code weed server} with a master, a volume server, a filer and the S3 gateway, all on 127.0.0.1,
   * with one S3 identity (access and secret key) from an {@code -s3.config} file, so that the MinIO
   * client signs its requests as it would against any S3.
   */
  private static Process startSeaweedFs(Path bin) throws IOException {
    Path dir = Files.createDirectories(dataDir.resolve("seaweedfs"));
    Path data = Files.createDirectories(dir.resolve("data"));
    Path s3Config = dir.resolve("s3.json");
    Files.writeString(s3Config, """
        {"identities": [{"name": "pretrain", "credentials": [{"accessKey": "%s", "secretKey": "%s"}],
          "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
        """.formatted(ACCESS_KEY, SECRET_KEY), StandardCharsets.UTF_8);
    for (int port = WEED_MASTER; port <= WEED_S3_GRPC; port++) {
      if (LocalStack.portOpen("127.0.0.1", port)) {
        throw new IllegalStateException("port " + port + " on 127.0.0.1 is in use; SeaweedFS needs 51333..51340");
      }
    }
    List<String> cmd = new ArrayList<>(List.of(bin.toString(), "server",
        "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-dir=" + data,
        "-master.port=" + WEED_MASTER, "-master.port.grpc=" + WEED_MASTER_GRPC,
        "-master.volumeSizeLimitMB=256", "-master.telemetry=false",
        "-volume.port=" + WEED_VOLUME, "-volume.port.grpc=" + WEED_VOLUME_GRPC, "-volume.max=0",
        "-volume.preStopSeconds=0",
        "-filer", "-filer.port=" + WEED_FILER, "-filer.port.grpc=" + WEED_FILER_GRPC,
        "-s3", "-s3.port=" + WEED_S3, "-s3.port.grpc=" + WEED_S3_GRPC, "-s3.port.iceberg=0", "-s3.port.lance=0",
        "-s3.config=" + s3Config));
    Path log = dir.resolve("weed.log");
    System.err.println("Starting SeaweedFS: " + String.join(" ", cmd) + "\n  log: " + log);
    return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
  }

  /** Until the S3 gateway answers and a volume server takes writes: bucket, put, stat, remove. */
  private static void awaitS3(ObjectStore store, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    Path probe = Files.writeString(dataDir.resolve("seaweedfs/probe.txt"), "probe");
    RuntimeException last = null;
    while (System.nanoTime() < deadline) {
      if (!weed.isAlive()) {
        throw new IllegalStateException("SeaweedFS exited with " + weed.exitValue() + "; log:\n" + weedLogTail());
      }
      try {
        store.ensureBucket(cfg.bucket());
        store.putFile(cfg.bucket(), "_probe/ready.txt", probe, "text/plain");
        if (store.stat(cfg.bucket(), "_probe/ready.txt").isPresent()) {
          store.remove(cfg.bucket(), "_probe/ready.txt");
          return;
        }
      } catch (RuntimeException e) {
        last = e;
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("SeaweedFS S3 did not take writes within " + timeout.toSeconds() + " s: " + last
        + "; log:\n" + weedLogTail());
  }

  private static String weedLogTail() {
    try {
      List<String> lines = Files.readAllLines(dataDir.resolve("seaweedfs/weed.log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private static synchronized void stopWeed() {
    if (weed == null) {
      return;
    }
    weed.destroy();
    try {
      if (!weed.waitFor(20, TimeUnit.SECONDS)) {
        weed.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      weed.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    weed = null;
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
