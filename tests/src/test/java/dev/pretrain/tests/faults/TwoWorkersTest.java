package dev.pretrain.tests.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pretrain.db.documents.DocumentRepository;
import dev.pretrain.db.runs.RunRepository;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.db.storage.RunObjectKeys;
import dev.pretrain.ops.client.RunClient;
import dev.pretrain.ops.config.PretrainConfig;
import dev.pretrain.ops.corpus.CorpusFetcher;
import dev.pretrain.ops.corpus.CorpusSpec;
import dev.pretrain.ops.corpus.FetchResult;
import dev.pretrain.ops.recipe.Recipe;
import dev.pretrain.workflows.StepNames;
import dev.pretrain.workflows.dedup.DedupParams;
import dev.pretrain.workflows.run.PretrainingRunWorkflow;
import dev.pretrain.workflows.run.RunRequest;
import dev.pretrain.workflows.run.RunSummary;
import dev.pretrain.workflows.run.StepSummary;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.PendingActivityState;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowServiceException;
import io.temporal.client.WorkflowStub;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two worker processes on one task queue share a run's data steps, and the run's result does not
 * depend on how the activities fell to them, nor on one of them dying. On the real stack of the fault
 * suite ({@link FaultStack}, {@link WorkerProcess}); every run is a data-only run of the quick corpus
 * (ingest, dedup with {@value #PARTITIONS} partitions, tokenize) that bypasses the step cache.
 *
 * <ol>
 *   <li>A reference run with one worker.
 *   <li>The same request with a second worker on the queue: the dedup stage activities (and the
 *       others) are split between the two processes, as the workflow history shows: each activity's
 *       {@code ActivityTaskStarted} event carries the identity of the worker that ran it
 *       ({@code pretrain-worker-<pid>@<host>}). The result must be identical to the reference's.
 *   <li>The same request again, one of the two workers killed with SIGKILL while it holds
 *       {@value #KILL_STAGE} activities: they time out on their heartbeat (30 s), are retried on the
 *       other worker, and the result is again identical.
 * </ol>
 *
 * "Identical": the counts of every step (dedup's documents in, kept, exact and near duplicates, candidate
 * pairs, ...), the SHA-256 of every object the run wrote under {@code runs/<run>/} (ingest shards, the
 * dedup stages' entry files, the kept shards, token shards and maps; read back from S3, by key without the
 * run id; not the audit seal, which names the run), the SHA-256 our database recorded for every artifact,
 * every dedup and ingest decision (document, kind, related document, Jaccard estimate and exact value,
 * note) and the run's row counts of artifacts, artifact documents and lineage.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoWorkersTest {

  /** The fault suite's directory: the corpus downloads under it are shared. */
  static final Path DATA = FaultToleranceTest.DATA;
  static final int PARTITIONS = 6;
  static final Duration RUN_TIMEOUT = Duration.ofMinutes(3);
  /**
   * The stage the kill lands in: one activity per partition, so with two workers of two slots each
   * four are in flight at once, two on the worker that dies. It is in the middle of the step: what the
   * retried attempts write (the similar pairs, the edges) is read by the components and filter stages
   * after them, so a retry that differed would show in the decisions and the kept shards. (The fault
   * suite kills a single worker in the filter stage.)
   *
   * <p>The kill lands {@link #KILL_AFTER_MS} after the victim started its first activity of this stage,
   * while the delay drill still holds it: a verify partition's own work on this corpus is about 0.2 s,
   * too short to aim at, and by then the victim may already have finished its share of the stage. What
   * the kill found in flight is read after it, from the server: the attempts that were lost.
   */
  static final String KILL_STAGE = "VerifyPartition";
  /** Holds each dedup stage activity this long before its work (the delay drill), only in the kill run. */
  static final long DELAY_MS = 2000;
  static final long KILL_AFTER_MS = DELAY_MS / 2;
  static final Set<String> DEDUP_STAGES = Set.of("HashShard", "ExactPartition", "BucketPartition", "VerifyPartition",
      "Components", "DecontaminationIndex", "FilterGroup");
  private static final Pattern PID = Pattern.compile("-(\\d+)@");

  static FaultStack stack;
  static FetchResult corpus;
  static Path faultDir;
  /** The workers polling now. */
  static final List<WorkerProcess> workers = new ArrayList<>();
  /** Every worker started, in order (the columns of the tables). */
  static final List<WorkerProcess> started = new ArrayList<>();
  static Result reference;
  static final List<String> report = new ArrayList<>();
  static long suiteStart;

  @BeforeAll
  static void start() throws Exception {
    suiteStart = System.nanoTime();
    Files.createDirectories(DATA);
    stack = FaultStack.start(DATA);
    faultDir = Files.createDirectories(DATA.resolve("faults"));
    corpus = new CorpusFetcher(stack.config.dataDir(), stack.config.objectStore(), stack.database, System.err::println)
        .fetch(CorpusSpec.named("quick"), PretrainConfig.CORPUS_BUCKET, "fault-quick");
    stack.config.objectStore().ensureBucket(stack.config.bucket());
    startWorker();
    report.add(String.format(Locale.ROOT, "stack, corpus and worker 1 ready after %.1f s", seconds(suiteStart)));
  }

  @AfterAll
  static void stop() {
    report.add(String.format(Locale.ROOT, "total %.1f s", seconds(suiteStart)));
    System.out.println("\n==== two workers ====\n" + String.join("\n", report) + "\n");
    for (WorkerProcess w : workers) {
      w.close();
    }
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  @Order(1)
  void oneWorkerReference() {
    long t0 = System.nanoTime();
    String runId = startRun();
    RunSummary summary = awaitCompleted(runId);
    reference = Result.of(runId, summary);
    Map<String, Long> dedup = reference.counts().get(StepNames.DEDUP);
    assertTrue(dedup.get("documents_in") > 0 && dedup.get("kept") > 0, dedup.toString());
    assertTrue(dedup.get("exact_duplicates") > 0 && dedup.get("near_duplicates") > 0,
        "the corpus has exact and near copies (the two kernel-doc versions): " + dedup);
    List<Activity> activities = activities(runId);
    assertEquals(1, identities(activities, DEDUP_STAGES).size(), "one worker ran every dedup stage");
    report.add(String.format(Locale.ROOT, "one worker: run %s completed in %.1f s; %s", runId, seconds(t0),
        stepTimes(summary)));
    report.add("  dedup counts: " + dedup);
    report.add("  " + reference.describe());
    report.add(table(activities));
  }

  @Test
  @Order(2)
  void twoWorkersShareTheDedupStagesAndProduceTheSameResult() {
    requireReference();
    long w0 = System.nanoTime();
    startWorker();
    report.add(String.format(Locale.ROOT, "worker 2 polling after %.1f s", seconds(w0)));
    long t0 = System.nanoTime();
    String runId = startRun();
    RunSummary summary = awaitCompleted(runId);
    double took = seconds(t0);
    List<Activity> activities = activities(runId);
    report.add(String.format(Locale.ROOT, "two workers: run %s completed in %.1f s; %s", runId, took,
        stepTimes(summary)));
    report.add(table(activities));
    Set<String> dedupWorkers = identities(activities, DEDUP_STAGES);
    assertTrue(dedupWorkers.size() >= 2, "both workers took dedup stage activities: " + dedupWorkers);
    for (String identity : identities(activities, null)) {
      assertNotNull(workerOf(identity), "every activity ran on one of the two workers: " + identity);
    }
    Result r = Result.of(runId, summary);
    List<String> diff = r.diff(reference);
    report.add("  result identical to the one-worker run: " + (diff.isEmpty() ? "yes" : "NO: " + diff));
    assertTrue(diff.isEmpty(), "two workers, same result as one: " + diff);
  }

  @Test
  @Order(3)
  void aWorkerKilledMidStageLosesNothing() throws Exception {
    requireReference();
    assertEquals(2, workers.size(), "two workers are polling");
    long t0 = System.nanoTime();
    Path drill = faultDir.resolve(StepNames.DEDUP);
    String runId;
    WorkerProcess victim;
    List<PendingActivityInfo> inFlight;
    Instant killedAt;
    try {
      Files.writeString(drill, "delay: " + DELAY_MS + "ms\n");
      runId = startRun();
      PendingActivityInfo first = awaitPending(runId, KILL_STAGE).get(0);
      String victimIdentity = first.getLastWorkerIdentity();
      victim = workerOf(victimIdentity);
      assertNotNull(victim, "a known worker started " + KILL_STAGE + ": " + victimIdentity);
      Instant firstStarted = Instant.ofEpochSecond(first.getLastStartedTime().getSeconds(),
          first.getLastStartedTime().getNanos());
      Instant killAt = firstStarted.plusMillis(KILL_AFTER_MS);
      WorkerProcess.sleep(Math.max(0, Duration.between(Instant.now(), killAt).toMillis()));
      killedAt = Instant.now();
      victim.kill9();
      // the server still shows the dead worker's attempts as started until their heartbeat times out
      inFlight = pending(runId, null).stream().filter(a -> a.getLastWorkerIdentity().equals(victimIdentity)).toList();
    } finally {
      Files.deleteIfExists(drill); // the retries and the later stages run at once
    }
    workers.remove(victim);
    WorkerProcess survivor = workers.get(0);
    String inFlightText = inFlight.stream().map(a -> a.getActivityType().getName() + " #" + a.getActivityId()
        + " attempt " + a.getAttempt()).collect(Collectors.joining(", "));
    report.add(String.format(Locale.ROOT, "kill: worker pid %d got SIGKILL %d ms after it started its first %s"
        + " (delay drill %d ms), with %d activities in flight: %s", victim.pid(), KILL_AFTER_MS, KILL_STAGE, DELAY_MS,
        inFlight.size(), inFlightText));
    assertTrue(inFlight.stream().anyMatch(a -> a.getActivityType().getName().equals(KILL_STAGE)),
        "the kill landed while the victim held " + KILL_STAGE + " activities: " + inFlightText);

    RunSummary summary = awaitCompleted(runId);
    double took = seconds(t0);
    List<Activity> activities = activities(runId);
    report.add(String.format(Locale.ROOT, "kill run: run %s completed in %.1f s; %s", runId, took, stepTimes(summary)));
    report.add(table(activities));
    Map<String, Activity> byId = activities.stream().collect(Collectors.toMap(Activity::id, a -> a));
    String survivorIdentity = null;
    for (PendingActivityInfo a : inFlight) {
      Activity done = byId.get(a.getActivityId());
      assertNotNull(done, "activity " + a.getActivityId() + " in flight at the kill completed");
      report.add(String.format(Locale.ROOT, "  %s #%s: lost attempt %d on pid %d, completed by attempt %d on pid %s,"
          + " which started %.1f s after the kill", done.type(), done.id(), a.getAttempt(), victim.pid(),
          done.attempt(),
          pidOf(done.identity()), Duration.between(killedAt, done.started()).toMillis() / 1000.0));
      assertTrue(done.attempt() > a.getAttempt(), "retried after the kill: " + done);
      assertEquals(survivor, workerOf(done.identity()), "the survivor ran the retry: " + done);
      survivorIdentity = done.identity();
    }
    for (Activity a : activities) {
      if (a.started().isAfter(killedAt)) {
        assertEquals(survivorIdentity, a.identity(), "only the survivor started activities after the kill: " + a);
      }
    }
    Result r = Result.of(runId, summary);
    List<String> diff = r.diff(reference);
    report.add("  result identical to the one-worker run: " + (diff.isEmpty() ? "yes" : "NO: " + diff));
    assertTrue(diff.isEmpty(), "a worker killed mid-stage, same result as one worker: " + diff);
  }

  // ------------------------------------------------------------------ runs

  static String startRun() {
    RunRequest request = new Recipe("two-workers", List.of(corpus.inputUri()), stack.config.bucket(),
        new RunRequest.IngestParams(2L << 20, 1L << 20, "US"),
        new RunRequest.TokenizeParams("r50k_base", 0.2, List.of()))
        .withUntil(StepNames.TOKENIZE)
        .toRequest(Recipe.newRunId("two-workers", Instant.now()))
        .withDedup(DedupParams.defaults().withPartitions(PARTITIONS))
        .withNoCache(StepNames.ALL);
    new RunClient(stack.temporal.client("two-workers-test")).start(request);
    System.err.println("two workers: started run " + request.runId());
    return request.runId();
  }

  static void startWorker() {
    WorkerProcess w = WorkerProcess.start(stack.config, faultDir);
    workers.add(w);
    started.add(w);
  }

  static RunSummary awaitCompleted(String runId) {
    WorkflowStub stub = stack.temporal.client("two-workers-test")
        .newUntypedWorkflowStub(PretrainingRunWorkflow.workflowId(runId));
    RunRepository runs = new RunRepository(stack.database.jdbc());
    long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        RunSummary s = stub.getResult(2, TimeUnit.SECONDS, RunSummary.class);
        assertEquals("completed", s.status(), "run " + runId + " ended " + s.status());
        return s;
      } catch (java.util.concurrent.TimeoutException e) {
        // still running
      } catch (WorkflowServiceException e) {
        // seen: RESOURCE_EXHAUSTED "Workflow is busy" while both workers completed a stage's activities
        System.err.println("two workers: waiting for " + runId + ": " + e.getCause());
        WorkerProcess.sleep(1000);
      }
      Optional<RunRepository.Run> r = runs.find(runId);
      if (r.isPresent() && Set.of("parked", "failed", "abandoned").contains(r.get().status())) {
        throw new AssertionError("run " + runId + " " + r.get().status() + ": " + r.get().error() + workerOutput());
      }
    }
    throw new AssertionError("run " + runId + " did not complete within " + RUN_TIMEOUT + workerOutput());
  }

  static String workerOutput() {
    StringBuilder b = new StringBuilder();
    for (WorkerProcess w : workers) {
      String out = w.output();
      b.append("\nworker pid ").append(w.pid()).append(":\n").append(out.substring(Math.max(0, out.length() - 3000)));
    }
    return b.toString();
  }

  static String stepTimes(RunSummary summary) {
    return summary.steps().stream().map(s -> String.format(Locale.ROOT, "%s %.1f s", s.step(), s.millis() / 1000.0))
        .collect(Collectors.joining(", "));
  }

  // ------------------------------------------------------------------ who ran what

  /** One activity as the history records it: its last attempt, and the worker that started that attempt. */
  record Activity(String type, String id, String identity, int attempt, Instant started, Instant completed) {}

  /** The run's completed activities, from the workflow history. */
  static List<Activity> activities(String runId) {
    List<HistoryEvent> events = stack.temporal.client("two-workers-test")
        .fetchHistory(PretrainingRunWorkflow.workflowId(runId)).getEvents();
    Map<Long, HistoryEvent> byId = new HashMap<>();
    List<Activity> out = new ArrayList<>();
    for (HistoryEvent e : events) {
      byId.put(e.getEventId(), e);
      if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
        var done = e.getActivityTaskCompletedEventAttributes();
        var scheduled = byId.get(done.getScheduledEventId()).getActivityTaskScheduledEventAttributes();
        HistoryEvent startedEvent = byId.get(done.getStartedEventId());
        var started = startedEvent.getActivityTaskStartedEventAttributes();
        out.add(new Activity(scheduled.getActivityType().getName(), scheduled.getActivityId(), started.getIdentity(),
            started.getAttempt(), instant(startedEvent), instant(e)));
      }
    }
    return out;
  }

  private static Instant instant(HistoryEvent e) {
    return Instant.ofEpochSecond(e.getEventTime().getSeconds(), e.getEventTime().getNanos());
  }

  /** Identities of the workers that ran activities of these types (null: of every type). */
  static Set<String> identities(List<Activity> activities, Set<String> types) {
    return activities.stream().filter(a -> types == null || types.contains(a.type())).map(Activity::identity)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  static String pidOf(String identity) {
    Matcher m = PID.matcher(identity);
    return m.find() ? m.group(1) : "?";
  }

  /** The worker process with this identity ({@code pretrain-worker-<pid>@<host>}), or null. */
  static WorkerProcess workerOf(String identity) {
    for (WorkerProcess w : workers) {
      if (pidOf(identity).equals(Long.toString(w.pid()))) {
        return w;
      }
    }
    return null;
  }

  /** Completed activities by type and worker (pid), with each type's mean time from start to completion. */
  static String table(List<Activity> activities) {
    List<String> pids = new ArrayList<>(started.stream().map(w -> Long.toString(w.pid())).toList());
    activities.stream().map(a -> pidOf(a.identity())).distinct().filter(p -> !pids.contains(p)).forEach(pids::add);
    Map<String, Map<String, Integer>> counts = new TreeMap<>();
    Map<String, List<Long>> millis = new TreeMap<>();
    for (Activity a : activities) {
      counts.computeIfAbsent(a.type(), t -> new TreeMap<>()).merge(pidOf(a.identity()), 1, Integer::sum);
      millis.computeIfAbsent(a.type(), t -> new ArrayList<>())
          .add(Duration.between(a.started(), a.completed()).toMillis());
    }
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "  %-22s", "activity type"));
    for (int i = 0; i < pids.size(); i++) {
      b.append(String.format(Locale.ROOT, " %16s", "w" + (i + 1) + " pid " + pids.get(i)));
    }
    b.append("   mean ms\n");
    for (var row : counts.entrySet()) {
      b.append(String.format(Locale.ROOT, "  %-22s", row.getKey()));
      for (String pid : pids) {
        b.append(String.format(Locale.ROOT, " %16d", row.getValue().getOrDefault(pid, 0)));
      }
      b.append(String.format(Locale.ROOT, " %9.0f%n",
          millis.get(row.getKey()).stream().mapToLong(Long::longValue).average().orElse(0)));
    }
    return b.toString().stripTrailing();
  }

  /** The run's activities of this type (null: any) that a worker has started and not finished. */
  static List<PendingActivityInfo> pending(String runId, String type) {
    return stack.temporal.stubs().blockingStub().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
            .setNamespace(stack.config.namespace())
            .setExecution(WorkflowExecution.newBuilder().setWorkflowId(PretrainingRunWorkflow.workflowId(runId)))
            .build())
        .getPendingActivitiesList().stream()
        .filter(a -> type == null || a.getActivityType().getName().equals(type))
        .filter(a -> a.getState() == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED)
        .toList();
  }

  static List<PendingActivityInfo> awaitPending(String runId, String type) {
    long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      List<PendingActivityInfo> p = pending(runId, type);
      if (!p.isEmpty()) {
        return p;
      }
      WorkerProcess.sleep(100);
    }
    throw new AssertionError("no " + type + " of " + runId + " started within " + RUN_TIMEOUT + workerOutput());
  }

  // ------------------------------------------------------------------ what a run produced

  /**
   * @param counts    each step's counts
   * @param objects   SHA-256 of every object under {@code runs/<run>/} but the audit seal, read back from S3,
   *                  by key without the run id
   * @param artifacts the SHA-256 our database recorded for each artifact, by URI without the run id
   * @param decisions the run's ingest and dedup decisions, by document
   * @param rows      the run's rows of artifacts, artifact documents and lineage
   */
  record Result(String runId, Map<String, Map<String, Long>> counts, Map<String, String> objects,
      Map<String, String> artifacts, Map<String, List<DocumentRepository.Decision>> decisions, Map<String, Long> rows) {

    static Result of(String runId, RunSummary summary) {
      Map<String, Map<String, Long>> counts = new TreeMap<>();
      for (StepSummary s : summary.steps()) {
        counts.put(s.step(), s.counts());
      }
      ObjectStore store = stack.config.objectStore();
      String bucket = stack.config.bucket();
      String prefix = RunObjectKeys.runPrefix(runId);
      Map<String, String> objects = new TreeMap<>();
      for (ObjectStore.Stored o : store.list(bucket, prefix)) {
        if (o.key().startsWith(prefix + "audit/")) {
          continue; // the audit seal names the run and when it was sealed
        }
        objects.put(o.key().replace(prefix, "runs/<run>/"), store.sha256Of(bucket, o.key()));
      }
      var jdbc = stack.database.jdbc();
      Map<String, String> artifacts = new TreeMap<>();
      jdbc.query("SELECT uri, sha256 FROM artifacts WHERE run_id = ?",
          rs -> {
            artifacts.put(rs.getString("uri").replace(prefix, "runs/<run>/"), rs.getString("sha256"));
          }, runId);
      DocumentRepository docs = new DocumentRepository(jdbc);
      Map<String, List<DocumentRepository.Decision>> decisions = new TreeMap<>();
      for (String step : List.of(StepNames.INGEST, StepNames.DEDUP)) {
        decisions.put(step, docs.decisions(runId, step));
      }
      Map<String, Long> rows = new LinkedHashMap<>();
      rows.put("artifacts", count("SELECT COUNT(*) FROM artifacts WHERE run_id = ?", runId));
      rows.put("artifact_documents", count("SELECT COUNT(*) FROM artifact_documents d JOIN artifacts a"
          + " ON a.uri = d.artifact_uri WHERE a.run_id = ?", runId));
      rows.put("lineage", count("SELECT COUNT(*) FROM artifact_inputs i JOIN artifacts a ON a.uri = i.artifact_uri"
          + " WHERE a.run_id = ?", runId));
      rows.put("decisions", count("SELECT COUNT(*) FROM document_decisions WHERE run_id = ?", runId));
      return new Result(runId, counts, objects, artifacts, decisions, rows);
    }

    private static long count(String sql, String runId) {
      return stack.database.jdbc().queryForObject(sql, Long.class, runId);
    }

    String describe() {
      Map<String, Long> byKind = decisions.get(StepNames.DEDUP).stream().collect(Collectors.groupingBy(
          d -> String.valueOf(d.dedupKind()), TreeMap::new, Collectors.counting()));
      return objects.size() + " objects in S3 (" + objects.keySet().stream().filter(k -> k.contains("/dedup/")).count()
          + " of dedup), " + artifacts.size() + " artifacts, " + decisions.get(StepNames.INGEST).size()
          + " ingest and " + decisions.get(StepNames.DEDUP).size() + " dedup decisions " + byKind + ", rows " + rows;
    }

    /** What differs from {@code ref}: empty when the two runs produced the same. */
    List<String> diff(Result ref) {
      List<String> d = new ArrayList<>();
      if (!counts.equals(ref.counts)) {
        d.add("counts " + counts + " (reference " + ref.counts + ")");
      }
      if (!objects.equals(ref.objects)) {
        d.add("objects differ: " + changed(objects, ref.objects));
      }
      for (var a : artifacts.entrySet()) {
        String inS3 = objects.get(a.getKey().replaceFirst("^s3://[^/]+/", ""));
        if (!a.getValue().equals(inS3)) {
          d.add("artifact " + a.getKey() + " recorded " + a.getValue() + ", in S3 " + inS3);
        }
      }
      if (!artifacts.equals(ref.artifacts)) {
        d.add("artifacts differ: " + changed(artifacts, ref.artifacts));
      }
      for (String step : decisions.keySet()) {
        if (!decisions.get(step).equals(ref.decisions.get(step))) {
          Map<String, DocumentRepository.Decision> mine = byDoc(decisions.get(step));
          Map<String, DocumentRepository.Decision> theirs = byDoc(ref.decisions.get(step));
          List<String> keys = changed(mine, theirs);
          d.add(keys.size() + " " + step + " decisions differ (of " + theirs.size() + "), e.g. "
              + keys.stream().limit(5).map(k -> mine.get(k) + " (reference " + theirs.get(k) + ")").toList());
        }
      }
      if (!rows.equals(ref.rows)) {
        d.add("rows " + rows + " (reference " + ref.rows + ")");
      }
      return d;
    }

    private static Map<String, DocumentRepository.Decision> byDoc(List<DocumentRepository.Decision> list) {
      Map<String, DocumentRepository.Decision> m = new TreeMap<>();
      list.forEach(x -> m.put(x.docId(), x));
      return m;
    }

    private static <V> List<String> changed(Map<String, V> a, Map<String, V> b) {
      Set<String> keys = new TreeSet<>(a.keySet());
      keys.addAll(b.keySet());
      return keys.stream().filter(k -> !Objects.equals(a.get(k), b.get(k))).toList();
    }
  }

  // ------------------------------------------------------------------ helpers

  static void requireReference() {
    assertNotNull(reference, "the one-worker reference run must have completed first");
    assertFalse(reference.objects().isEmpty());
  }

  static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }
}
