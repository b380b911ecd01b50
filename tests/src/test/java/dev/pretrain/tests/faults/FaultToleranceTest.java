package dev.pretrain.tests.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pretrain.db.storage.RunObjectKeys;
import dev.pretrain.db.runs.RunRepository;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.ops.client.RunClient;
import dev.pretrain.ops.config.PretrainConfig;
import dev.pretrain.ops.corpus.CorpusFetcher;
import dev.pretrain.ops.corpus.CorpusSpec;
import dev.pretrain.ops.corpus.FetchResult;
import dev.pretrain.ops.recipe.Recipe;
import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.StepNames;
import dev.pretrain.workflows.run.PretrainingRunWorkflow;
import dev.pretrain.workflows.run.RunRequest;
import dev.pretrain.workflows.run.RunSummary;
import dev.pretrain.workflows.run.StepSummary;
import dev.pretrain.workflows.train.TrainParams;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.PendingActivityState;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowStub;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Runs survive faults with nothing lost or duplicated, on the real stack (Temporal CLI dev server
 * with SQLite, S3Proxy, H2 TCP server) and with the worker as a separate OS process.
 *
 * <p>A reference run records what an uninterrupted run produces: document and token counts, the
 * SHA-256 of every ingest/dedup/tokenize artifact (keyed by its path without the run id), the final
 * training loss and the per-run row counts of documents, decisions, artifacts and lineage. Then each
 * fault hits a run of the same request in the middle of a step: the worker killed with SIGKILL in
 * ingest, dedup (its filter stage), tokenize and train; the Temporal server killed with SIGKILL and
 * restarted on its SQLite file; S3 unavailable for 30 s; the database server restarted during dedup's
 * filter stage. Every run must end completed with no operator action (infrastructure faults are retried for minutes, so a run that parks fails
 * its case) and with exactly the reference's counts and checksums. Every run bypasses the step cache (it is keyed by inputs and
 * parameters, so a faulted run would otherwise be answered with the reference's results).
 *
 * <p>A kill lands mid-step by the delay drill of {@code FaultInjectionInterceptor}: a file
 * {@code <faults>/<step>} with {@code delay: 3s} holds each activity of the step in flight, heartbeating,
 * before it works. A killed worker's activity is retried once its heartbeat times out (30 s for batch
 * steps, 60 s for train), which is most of this suite's time. The table of outcomes is printed and
 * written to {@code target/fault-table.md}.
 *
 * <p>Workers train with one libtorch thread ({@code -Dpretrain.djl.threads=1}): with two, identical
 * runs in different processes once ended 7e-5 apart in loss (the order of float sums), which would
 * hide whether a resumed run reproduces the uninterrupted one. With one, it does, bit for bit: the
 * train case asserts the final loss within 1e-6 and byte-identical checkpoints and model files.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultToleranceTest {

  static final Path DATA = Path.of("target", "fault-suite").toAbsolutePath();
  static final Path TABLE = Path.of("target", "fault-table.md").toAbsolutePath();
  static final String DELAY = "delay: 3s";
  static final long DELAY_MS = 3000;
  static final Duration RUN_TIMEOUT = Duration.ofMinutes(4);
  static final Duration S3_OUTAGE = Duration.ofSeconds(30);
  static final Set<String> DATA_STEPS = Set.of(StepNames.INGEST, StepNames.DEDUP, StepNames.TOKENIZE);
  /**
   * The dedup stage the dedup faults hit: the filter, which writes what is kept and records every drop
   * in the database. The delay drill is keyed by step, so it holds every stage's activities (hash,
   * exact, buckets, verify, components, filter), not only these; a dedup case waits through the earlier
   * stages' delays (about 3 s per round of two activities) until the filter is in flight.
   */
  static final String DEDUP_STAGE = "FilterGroup";

  static FaultStack stack;
  static WorkerProcess worker;
  static FetchResult corpus;
  static Path faultDir;
  static Snapshot reference;
  static final List<Row> rows = new ArrayList<>();
  static long suiteStart;
  /** Notes of the running case (a flaky retry), added to its row. */
  static final List<String> caseNotes = new ArrayList<>();

  static int rowsBefore;
  static long caseStart;

  @org.junit.jupiter.api.BeforeEach
  void clearNotes() {
    caseNotes.clear();
    rowsBefore = rows.size();
    caseStart = System.nanoTime();
  }

  /** A case that failed before it could record its row still gets one. */
  @org.junit.jupiter.api.AfterEach
  void rowForAFailedCase(org.junit.jupiter.api.TestInfo info) {
    if (rows.size() == rowsBefore) {
      rows.add(new Row("?", info.getDisplayName(), "FAILED (see the test report)", null, false,
          String.join("; ", caseNotes), seconds(caseStart)));
    }
  }

  /**
   * A small model on the r50k vocabulary (the tokenizer's ids), 20 steps with a checkpoint every 5:
   * big enough that a kill lands between checkpoints, small enough that ten runs stay quick.
   */
  static TrainParams trainParams() {
    return new TrainParams(TrainParams.R50K_VOCAB, 32, 32, 1, 2, 64, 20, 4, 32, 2e-3, 2e-4, 2, 0.1, 1.0, 5,
        1337, 8, 1024);
  }

  @BeforeAll
  static void start() throws Exception {
    suiteStart = System.nanoTime();
    Files.createDirectories(DATA);
    stack = FaultStack.start(DATA);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if (worker != null) {
        worker.process.destroyForcibly();
      }
      stack.close();
    }, "fault-suite-stack"));
    faultDir = Files.createDirectories(DATA.resolve("faults"));
    corpus = new CorpusFetcher(stack.config.dataDir(), stack.config.objectStore(), stack.database, System.err::println)
        .fetch(CorpusSpec.named("quick"), PretrainConfig.CORPUS_BUCKET, "fault-quick");
    stack.config.objectStore().ensureBucket(stack.config.bucket());
    worker = WorkerProcess.start(stack.config, faultDir);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      writeTable();
    } finally {
      if (worker != null) {
        worker.close();
      }
      if (stack != null) {
        stack.close();
      }
    }
  }

  // ------------------------------------------------------------------ the cases

  @Test
  @Order(1)
  void referenceRunUninterrupted() {
    long t0 = System.nanoTime();
    String runId = startRun();
    RunSummary summary = awaitCompleted(runId, caseNotes);
    reference = Snapshot.of(runId, summary);
    assertTrue(reference.documents > 0 && reference.tokens > 0, reference.toString());
    assertFalse(reference.dataChecksums.isEmpty());
    assertNotNull(reference.trainLoss, "train reports its final loss");
    assertEquals(reference.dataChecksums.size(), reference.s3Verified - reference.modelArtifacts,
        "every data artifact is in S3 with its SHA-256");
    rows.add(new Row("-", "none (reference)", "completed", reference, true, String.join("; ", caseNotes),
        seconds(t0)));
  }

  @Test
  @Order(2)
  void workerKilledDuringIngest() {
    workerKilledMidStep(StepNames.INGEST, "IngestPartition", 300);
  }

  /**
   * Dedup is partitioned: six stages of activities. The kill lands in its last stage, {@link #DEDUP_STAGE}:
   * its activities are several (one per group of input shards: with the default four partitions the
   * quick corpus's seven shards make four groups, and the worker runs two at a time, so the kill finds
   * two in flight), and each does the step's real work: it reads every document of its shards, writes
   * the kept shards and records the artifacts, drops and lineage in the database, so a killed attempt
   * leaves half-written rows and objects that its retry must replace, not add to. (The one-activity
   * {@code Dedup} of older runs is never scheduled for a new run.)
   */
  @Test
  @Order(3)
  void workerKilledDuringDedup() {
    workerKilledMidStep(StepNames.DEDUP, DEDUP_STAGE, 100);
  }

  @Test
  @Order(4)
  void workerKilledDuringTokenize() {
    workerKilledMidStep(StepNames.TOKENIZE, "TokenizeShard", 200);
  }

  @Test
  @Order(5)
  void workerKilledDuringTrainResumesFromTheLastCheckpoint() {
    requireReference();
    long t0 = System.nanoTime();
    String runId = startRun();
    ObjectStore store = stack.config.objectStore();
    String firstCheckpoint = RunObjectKeys.trainCheckpoint(runId, 5);
    String lastCheckpoint = RunObjectKeys.trainCheckpoint(runId, trainParams().steps());
    await("first checkpoint of " + runId + " in S3", RUN_TIMEOUT, 20,
        () -> store.stat(stack.config.bucket(), firstCheckpoint).isPresent());
    boolean finishedAlready = store.stat(stack.config.bucket(), lastCheckpoint).isPresent();
    worker.kill9();
    String note = "SIGKILL after the step-5 checkpoint" + (finishedAlready ? " (train had already finished)" : "");
    worker = WorkerProcess.start(stack.config, faultDir);
    RunSummary summary = awaitCompleted(runId, caseNotes);
    Snapshot s = Snapshot.of(runId, summary);
    boolean same = recordAndCompare(StepNames.TRAIN, "worker kill -9", "completed", s, note, t0);
    assertTrue(s.resumedFrom != null && s.resumedFrom > 0,
        "train resumed from a checkpoint, not from step 0: resumed_from_step=" + s.resumedFrom);
    assertEquals(trainParams().steps(), s.trainSteps, "the step counter ends where the reference's does");
    assertTrue(same, "same counts and checksums as the reference: " + s.diff(reference));
    assertEquals(reference.trainLoss, s.trainLoss, 1e-6, "final loss as in the uninterrupted run");
    // resuming is bitwise reproducible here: same seed, same data order, optimizer state in the checkpoint
    assertEquals(reference.modelBinaries, s.modelBinaries, "checkpoints, model and quantized model as the reference's");
  }

  @Test
  @Order(6)
  void temporalServerKilledAndRestartedOnItsSqliteFile() throws Exception {
    requireReference();
    long t0 = System.nanoTime();
    Files.writeString(faultDir.resolve(StepNames.TOKENIZE), DELAY + "\n");
    String runId = startRun();
    String note;
    try {
      awaitStarted(runId, "TokenizeShard");
      long pid = stack.temporalPid();
      stack.killTemporal();
      note = "SIGKILL to temporal pid " + pid + " while tokenize was in flight; restarted on the same SQLite file";
      WorkerProcess.sleep(1000);
      stack.restartTemporal();
    } finally {
      Files.deleteIfExists(faultDir.resolve(StepNames.TOKENIZE));
    }
    RunSummary summary = awaitCompleted(runId, caseNotes);
    Snapshot s = Snapshot.of(runId, summary);
    assertTrue(recordAndCompare(StepNames.TOKENIZE, "Temporal server kill -9 + restart", "completed", s, note, t0),
        "same counts and checksums as the reference: " + s.diff(reference));
  }

  @Test
  @Order(7)
  void s3UnavailableFor30Seconds() throws Exception {
    requireReference();
    long t0 = System.nanoTime();
    Path fault = faultDir.resolve(StepNames.INGEST);
    Files.writeString(fault, DELAY + "\n");
    String runId = startRun();
    long downAt;
    try {
      awaitStarted(runId, "IngestPartition");
      WorkerProcess.sleep(DELAY_MS - 500);
      stack.stopS3();
      downAt = System.nanoTime();
    } finally {
      Files.deleteIfExists(fault);
    }
    try {
      Outcome during = awaitOutcome(runId, S3_OUTAGE);
      assertFalse(during.status().equals("parked"), "run " + runId + " parked while S3 was down: " + during.error());
    } finally {
      WorkerProcess.sleep(Math.max(0, S3_OUTAGE.toMillis() - (System.nanoTime() - downAt) / 1_000_000));
      stack.startS3();
    }
    String note = "S3Proxy stopped 0.5 s before ingest's work, started again on the same directory after 30 s";
    RunSummary summary = awaitCompleted(runId, caseNotes); // parking now fails the case: no operator retry
    Snapshot s = Snapshot.of(runId, summary);
    assertTrue(recordAndCompare(StepNames.INGEST, "S3 down 30 s", "completed", s, note, t0),
        "same counts and checksums as the reference: " + s.diff(reference));
  }

  @Test
  @Order(8)
  void databaseServerRestartedMidStep() throws Exception {
    requireReference();
    long t0 = System.nanoTime();
    Path fault = faultDir.resolve(StepNames.DEDUP);
    Files.writeString(fault, DELAY + "\n");
    String runId = startRun();
    try {
      awaitStarted(runId, DEDUP_STAGE);
      WorkerProcess.sleep(DELAY_MS - 500);
      stack.stopH2();
      WorkerProcess.sleep(5000);
      stack.startH2();
    } finally {
      Files.deleteIfExists(fault);
    }
    String note = "H2 TCP server stopped 0.5 s before dedup's filter work, started again on the same file after 5 s";
    RunSummary summary = awaitCompleted(runId, caseNotes); // parking fails the case: no operator retry
    Snapshot s = Snapshot.of(runId, summary);
    assertTrue(recordAndCompare(StepNames.DEDUP, "H2 server restart", "completed", s, note, t0),
        "same counts and checksums as the reference: " + s.diff(reference));
  }

  /**
   * Holds the step's activities in flight with the delay drill, kills the worker {@code intoWork} ms
   * after the delay ends (in the middle of the step's own work), starts another worker and expects
   * the run to complete as the reference did.
   */
  private void workerKilledMidStep(String step, String activityType, long intoWork) {
    requireReference();
    long t0 = System.nanoTime();
    Path fault = faultDir.resolve(step);
    String note;
    String runId;
    int inFlight;
    try {
      Files.writeString(fault, DELAY + "\n");
      runId = startRun();
      awaitStarted(runId, activityType);
      WorkerProcess.sleep(DELAY_MS + intoWork);
      inFlight = pending(runId, activityType).size();
      worker.kill9();
      note = "SIGKILL " + (DELAY_MS + intoWork) + " ms after the first " + activityType + " started ("
          + inFlight + " in flight)";
      Files.deleteIfExists(fault);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } finally {
      try {
        Files.deleteIfExists(fault);
      } catch (java.io.IOException ignored) {
        // next case overwrites it
      }
    }
    worker = WorkerProcess.start(stack.config, faultDir);
    assertTrue(inFlight > 0, "the kill landed while " + activityType + " was in flight");
    RunSummary summary = awaitCompleted(runId, caseNotes);
    Snapshot s = Snapshot.of(runId, summary);
    assertTrue(recordAndCompare(step, "worker kill -9", "completed", s, note, t0),
        "same counts and checksums as the reference: " + s.diff(reference));
  }

  // ------------------------------------------------------------------ runs

  static String startRun() {
    RunRequest request = new Recipe("fault", List.of(corpus.inputUri()), stack.config.bucket(),
        new RunRequest.IngestParams(2L << 20, 1L << 20, "US"),
        new RunRequest.TokenizeParams("r50k_base", 0.2, List.of()),
        trainParams())
        .toRequest(Recipe.newRunId("fault", Instant.now()))
        .withNoCache(StepNames.ALL);
    new RunClient(stack.temporal.client("fault-suite")).start(request);
    System.err.println("fault suite: started run " + request.runId());
    return request.runId();
  }

  /** How a faulted run first ended: completed, or parked with the error our database recorded. */
  record Outcome(String status, String parkedStep, String error) {}

  /**
   * Waits until the run completed or parked, or until {@code until} has passed (then "running");
   * null for no limit but the run timeout.
   */
  static Outcome awaitOutcome(String runId, Duration until) {
    long deadline = System.nanoTime() + (until == null ? RUN_TIMEOUT : until).toNanos();
    RunRepository runs = new RunRepository(stack.database.jdbc());
    while (System.nanoTime() < deadline) {
      try {
        Optional<RunRepository.Run> r = runs.find(runId);
        String status = r.map(RunRepository.Run::status).orElse("");
        if (status.equals("completed")) {
          return new Outcome(status, null, null);
        }
        if (status.equals("parked")) {
          String step = runs.steps(runId).stream().filter(s -> s.status().equals("parked"))
              .map(RunRepository.Step::step).findFirst().orElse("?");
          return new Outcome(status, step, r.get().error());
        }
        assertFalse(Set.of("failed", "abandoned").contains(status), "run " + runId + " " + status);
      } catch (RuntimeException e) { // the database server being restarted
        System.err.println("fault suite: " + e);
      }
      WorkerProcess.sleep(250);
    }
    if (until == null) {
      throw new AssertionError("run " + runId + " neither completed nor parked within " + RUN_TIMEOUT);
    }
    return new Outcome("running", null, null);
  }

  /** Waits for the run's result; a run that parks fails the case with its reason. */
  static RunSummary awaitCompleted(String runId, List<String> notes) {
    WorkflowStub stub = stack.temporal.client("fault-suite")
        .newUntypedWorkflowStub(PretrainingRunWorkflow.workflowId(runId));
    RunRepository runs = new RunRepository(stack.database.jdbc());
    long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
    RuntimeException last = null;
    while (System.nanoTime() < deadline) {
      try {
        RunSummary s = stub.getResult(2, TimeUnit.SECONDS, RunSummary.class);
        assertEquals("completed", s.status(), "run " + runId + " ended " + s.status());
        return s;
      } catch (java.util.concurrent.TimeoutException e) {
        // still running
      } catch (RuntimeException e) { // e.g. the server being restarted
        last = e;
        WorkerProcess.sleep(1000);
      }
      Optional<RunRepository.Run> r;
      try {
        r = runs.find(runId);
      } catch (RuntimeException e) {
        last = e;
        continue;
      }
      if (r.isPresent() && r.get().status().equals("parked")) {
        String error = String.valueOf(r.get().error());
        throw new AssertionError("run " + runId + " parked: " + error + "\nworker output:\n"
            + tail(worker.output(), 4000));
      }
    }
    throw new AssertionError("run " + runId + " did not complete within " + RUN_TIMEOUT
        + (last == null ? "" : "; last error: " + last) + "\nworker output:\n" + tail(worker.output(), 4000));
  }

  /** Pending activities of the run of this type that a worker has started. */
  static List<PendingActivityInfo> pending(String runId, String activityType) {
    return stack.temporal.stubs().blockingStub().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
            .setNamespace(stack.config.namespace())
            .setExecution(WorkflowExecution.newBuilder().setWorkflowId(PretrainingRunWorkflow.workflowId(runId)))
            .build())
        .getPendingActivitiesList().stream()
        .filter(a -> a.getActivityType().getName().equals(activityType))
        .filter(a -> a.getState() == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED)
        .toList();
  }

  static void awaitStarted(String runId, String activityType) {
    await(activityType + " of " + runId + " started", RUN_TIMEOUT, 100, () -> !pending(runId, activityType).isEmpty());
  }

  // ------------------------------------------------------------------ what a run left behind

  /** Counts, checksums and per-run row counts of one completed run. */
  record Snapshot(String runId, long documents, long tokens, long ingestKept, long duplicates,
      Map<String, String> dataChecksums, Map<String, String> modelChecksums, Map<String, String> modelBinaries,
      long artifacts, long artifactDocuments,
      long decisions, long quarantine, long lineage, long s3Verified, long modelArtifacts, Double trainLoss,
      Long resumedFrom, Long trainSteps) {

    static Snapshot of(String runId, RunSummary summary) {
      Map<String, StepSummary> steps = new TreeMap<>();
      summary.steps().forEach(s -> steps.put(s.step(), s));
      Map<String, Long> tok = steps.get(StepNames.TOKENIZE).counts();
      Map<String, Long> train = steps.get(StepNames.TRAIN).counts();
      var jdbc = stack.database.jdbc();
      String prefix = "runs/" + runId + "/";
      Map<String, String> data = new TreeMap<>();
      Map<String, String> model = new TreeMap<>();
      long[] verified = {0};
      ObjectStore store = stack.config.objectStore();
      jdbc.query("SELECT uri, sha256, size_bytes, step FROM artifacts WHERE run_id = ?", rs -> {
        ArtifactRef ref = new ArtifactRef(rs.getString("uri"), rs.getString("sha256"), rs.getLong("size_bytes"));
        assertEquals(ref.sha256(), store.sha256Of(ref.bucket(), ref.key()), "in S3 with its recorded SHA-256: " + ref);
        verified[0]++;
        String key = ref.uri().replace(prefix, "runs/<run>/");
        (DATA_STEPS.contains(rs.getString("step")) ? data : model).put(key, ref.sha256());
      }, runId);
      long artifacts = count("SELECT COUNT(*) FROM artifacts WHERE run_id = ?", runId);
      long artifactDocuments = count("SELECT COUNT(*) FROM artifact_documents d JOIN artifacts a"
          + " ON a.uri = d.artifact_uri WHERE a.run_id = ?", runId);
      long decisions = count("SELECT COUNT(*) FROM document_decisions WHERE run_id = ?", runId);
      long quarantine = count("SELECT COUNT(*) FROM quarantine WHERE run_id = ?", runId);
      long lineage = count("SELECT COUNT(*) FROM artifact_inputs i JOIN artifacts a ON a.uri = i.artifact_uri"
          + " WHERE a.run_id = ?", runId);
      Double loss = steps.get(StepNames.TRAIN).figures().get("train_loss");
      return new Snapshot(runId, tok.get("documents"), tok.get("train_tokens") + tok.get("val_tokens"),
          steps.get(StepNames.INGEST).counts().get("kept"), steps.get(StepNames.DEDUP).counts().get("duplicates"),
          data, model, binaries(model), artifacts, artifactDocuments, decisions, quarantine, lineage, verified[0], model.size(), loss,
          train.get("resumed_from_step"), train.get("steps"));
    }

    /** Checkpoints and model files; the JSON reports name the run and differ by that alone. */
    private static Map<String, String> binaries(Map<String, String> model) {
      Map<String, String> m = new TreeMap<>(model);
      m.keySet().removeIf(k -> k.endsWith(".json"));
      return m;
    }

    private static long count(String sql, String runId) {
      return stack.database.jdbc().queryForObject(sql, Long.class, runId);
    }

    /** What differs from {@code ref} (empty when nothing is lost or duplicated). */
    List<String> diff(Snapshot ref) {
      List<String> d = new ArrayList<>();
      check(d, "documents", documents, ref.documents);
      check(d, "tokens", tokens, ref.tokens);
      check(d, "ingest kept", ingestKept, ref.ingestKept);
      check(d, "duplicates", duplicates, ref.duplicates);
      check(d, "artifact rows", artifacts, ref.artifacts);
      check(d, "artifact_documents rows", artifactDocuments, ref.artifactDocuments);
      check(d, "decision rows", decisions, ref.decisions);
      check(d, "quarantine rows", quarantine, ref.quarantine);
      check(d, "lineage rows", lineage, ref.lineage);
      check(d, "artifacts verified in S3", s3Verified, ref.s3Verified);
      if (!dataChecksums.equals(ref.dataChecksums)) {
        d.add("data artifact checksums differ: " + changed(dataChecksums, ref.dataChecksums));
      }
      if (!modelChecksums.keySet().equals(ref.modelChecksums.keySet())) {
        d.add("model artifacts differ: " + modelChecksums.keySet() + " vs " + ref.modelChecksums.keySet());
      }
      return d;
    }

    private static void check(List<String> d, String what, long value, long ref) {
      if (value != ref) {
        d.add(what + " " + value + " (reference " + ref + ")");
      }
    }

    private static List<String> changed(Map<String, String> a, Map<String, String> b) {
      Set<String> keys = new java.util.TreeSet<>(a.keySet());
      keys.addAll(b.keySet());
      return keys.stream().filter(k -> !java.util.Objects.equals(a.get(k), b.get(k))).toList();
    }
  }

  // ------------------------------------------------------------------ the table

  record Row(String step, String fault, String outcome, Snapshot s, boolean same, String note, double seconds) {}

  static boolean recordAndCompare(String step, String fault, String outcome, Snapshot s, String note, long t0) {
    List<String> diff = s.diff(reference);
    boolean same = diff.isEmpty();
    String n = note;
    for (String extra : caseNotes) {
      n += "; " + extra;
    }
    if (!same) {
      n += "; DIFFERS: " + String.join("; ", diff);
    }
    rows.add(new Row(step, fault, outcome, s, same, n, seconds(t0)));
    return same;
  }

  static void writeTable() throws Exception {
    StringBuilder b = new StringBuilder();
    b.append("# Fault-injection suite\n\n");
    b.append("Real stack (Temporal CLI dev server + SQLite, S3Proxy, H2 TCP server), worker as a separate process;"
        + " each run: quick corpus, ").append(trainParams().steps()).append(" train steps, checkpoint every ")
        .append(trainParams().checkpointEvery()).append(", one libtorch thread, step cache bypassed. Suite wall time ")
        .append(String.format(Locale.ROOT, "%.0f s", seconds(suiteStart))).append(".\n\n");
    b.append("Columns: documents and tokens from the run's summary (tokenize); per-run rows in our database of"
        + " artifacts, lineage (artifact_inputs), document decisions and artifact_documents (every artifact was"
        + " read back from S3 and matched its recorded SHA-256); data checksums = SHA-256 of every ingest, dedup"
        + " and tokenize artifact (by path without the run id) equal to the reference's; model files = checkpoints,"
        + " model and Q8_0 model byte-identical to the reference's.\n\n");
    b.append("| step | fault | outcome | documents | tokens | artifacts / lineage / decisions / doc rows"
        + " | data checksums equal | model files equal | train resumed from | final loss | wall time | notes |\n");
    b.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Row r : rows) {
      Snapshot s = r.s();
      if (s == null) {
        b.append("| ").append(r.step()).append(" | ").append(r.fault()).append(" | ").append(r.outcome())
            .append(" | - | - | - | n | - | - | - | - | ")
            .append(String.format(Locale.ROOT, "%.1f s", r.seconds())).append(" | ").append(r.note()).append(" |\n");
        continue;
      }
      boolean modelSame = reference != null && s.modelBinaries().equals(reference.modelBinaries());
      b.append("| ").append(r.step()).append(" | ").append(r.fault()).append(" | ").append(r.outcome().replace("|", "/"))
          .append(" | ").append(s.documents()).append(" | ").append(s.tokens())
          .append(" | ").append(s.artifacts()).append(" / ").append(s.lineage()).append(" / ").append(s.decisions())
          .append(" / ").append(s.artifactDocuments())
          .append(" | ").append(r.same() ? "y" : "n").append(" (").append(s.dataChecksums().size()).append(")")
          .append(" | ").append(modelSame ? "y" : "n").append(" (").append(s.modelBinaries().size()).append(")")
          .append(" | ").append(s.resumedFrom())
          .append(" | ").append(s.trainLoss() == null ? "-" : String.format(Locale.ROOT, "%.6f", s.trainLoss()))
          .append(" | ").append(String.format(Locale.ROOT, "%.1f s", r.seconds()))
          .append(" | ").append(r.note().replace("|", "/")).append(" |\n");
    }
    String table = b.toString();
    System.out.println(table);
    Files.createDirectories(TABLE.getParent());
    Files.writeString(TABLE, table, StandardCharsets.UTF_8);
  }

  // ------------------------------------------------------------------ helpers

  static void requireReference() {
    assertNotNull(reference, "the reference run must have completed first");
  }

  static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  static String tail(String s, int n) {
    return s.length() <= n ? s : s.substring(s.length() - n);
  }

  static void await(String what, Duration timeout, long everyMillis, Supplier<Boolean> condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    RuntimeException last = null;
    while (System.nanoTime() < deadline) {
      try {
        if (condition.get()) {
          return;
        }
      } catch (RuntimeException e) { // a server being restarted
        last = e;
      }
      WorkerProcess.sleep(everyMillis);
    }
    throw new AssertionError("timed out after " + timeout + " waiting for: " + what
        + (last == null ? "" : " (last error: " + last + ")"));
  }
}
