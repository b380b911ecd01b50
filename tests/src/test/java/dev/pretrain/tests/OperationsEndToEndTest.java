package dev.pretrain.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.db.cache.StepCacheRepository;
import dev.pretrain.db.runs.RunRepository;
import dev.pretrain.ops.client.RunClient;
import dev.pretrain.ops.config.PretrainConfig;
import dev.pretrain.ops.corpus.CorpusFetcher;
import dev.pretrain.ops.corpus.CorpusSpec;
import dev.pretrain.ops.corpus.FetchResult;
import dev.pretrain.ops.recipe.Recipe;
import dev.pretrain.ops.worker.PipelineWorker;
import dev.pretrain.tests.ui.TemporalWebUi;
import dev.pretrain.workflows.run.PretrainingRunWorkflow;
import dev.pretrain.workflows.run.RunRequest;
import dev.pretrain.workflows.train.TrainParams;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * What an operator does when a step fails, on the real stack: the run parks (visible to the Temporal
 * UI's list filter, the progress query, our database and {@code runs --status parked}); {@code retry}
 * with an override fixes it without executing finished steps again; {@code rerun --from train} takes
 * the data steps from the step cache; an artifact deleted from S3 is not trusted and is recomputed.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperationsEndToEndTest {

  static final ObjectMapper JSON = new ObjectMapper();

  static RealStack stack;
  static PipelineWorker worker;
  static FetchResult corpus;
  static Path faultDir;
  static String parkedRunId;
  static String rerunId;

  /** Every log event of this JVM (CLI, worker, activities) while the class runs, to look for secrets. */
  static final ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> LOGS =
      new ch.qos.logback.core.read.ListAppender<>();

  @BeforeAll
  static void start() throws Exception {
    ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger)
        org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    LOGS.start();
    root.addAppender(LOGS);
    Path dataDir = Path.of("target", "e2e").toAbsolutePath();
    faultDir = Files.createDirectories(dataDir.resolve("faults"));
    System.setProperty(PipelineWorker.FAULT_DIR_PROPERTY, faultDir.toString());
    stack = RealStack.start(dataDir);
    worker = PipelineWorker.start(stack.config, stack.temporal, 2);
    corpus = new CorpusFetcher(stack.config.dataDir(), stack.config.objectStore(), stack.database, System.err::println)
        .fetch(CorpusSpec.named("quick"), PretrainConfig.CORPUS_BUCKET, "ops-quick");
    stack.config.objectStore().ensureBucket(stack.config.bucket());
  }

  @AfterAll
  static void stop() {
    System.clearProperty(PipelineWorker.FAULT_DIR_PROPERTY);
    if (worker != null) {
      worker.close();
    }
    if (stack != null) {
      stack.close();
    }
  }

  /** The quick corpus with a few training steps: the operations matter here, not the model. */
  static RunRequest request(String encoding) {
    RunRequest r = new Recipe("ops", List.of(corpus.inputUri()), stack.config.bucket(),
        new RunRequest.IngestParams(2L << 20, 1L << 20, "US"),
        new RunRequest.TokenizeParams(encoding, 0.2, List.of()),
        TrainParams.quick().withSteps(4, 2))
        .toRequest(Recipe.newRunId("ops", Instant.now()));
    return r;
  }

  @Test
  @Order(1)
  void aBadParameterParksTheRunAndRetryWithAnOverrideCompletesItWithoutRedoingUpstreamSteps() {
    RunRequest request = request("no_such_encoding");
    parkedRunId = request.runId();
    String workflowId = new RunClient(stack.temporal.client("ops-test")).start(request);
    RunRepository runs = new RunRepository(stack.database.jdbc());
    await("run parked in our database", Duration.ofMinutes(3),
        () -> runs.find(parkedRunId).map(r -> "parked".equals(r.status())).orElse(false));

    // (a) the Temporal UI's list filter sees it through the search attributes
    await("visible with PipelineStatus=\"parked\"", Duration.ofSeconds(30),
        () -> listWorkflowIds("PipelineStatus=\"parked\" AND PipelineStep=\"tokenize\"").contains(workflowId));
    // (b) the progress query
    var progress = new RunClient(stack.temporal.client("ops-test")).progress(workflowId);
    assertEquals("parked", progress.status());
    assertEquals("tokenize", progress.parked().step());
    assertEquals("BadParameter", progress.parked().failureType());
    assertTrue(progress.parked().error().contains("no_such_encoding"), progress.parked().error());
    // (c) our database and `runs --status parked`
    RunRepository.Step tokenize = runs.step(parkedRunId, "tokenize").orElseThrow();
    assertEquals("parked", tokenize.status());
    assertEquals(1, tokenize.attempts(), "a bad parameter is not retried");
    Cli.Result parked = Cli.run(stack.config, "--json", "runs", "--status", "parked");
    assertEquals(0, parked.exitCode());
    assertTrue(parked.stdout().contains(parkedRunId), parked.stdout());
    Cli.Result status = Cli.run(stack.config, "status", parkedRunId);
    assertTrue(status.stdout().contains("./pretrain retry " + parkedRunId + " --step tokenize"), status.stdout());

    // a wrong override is refused by the workflow's validator, and the run stays parked
    Cli.Result refused = Cli.run(stack.config, "retry", parkedRunId, "--step", "tokenize", "--set", "encodng=r50k_base");
    assertNotEquals(0, refused.exitCode());
    assertEquals("parked", runs.find(parkedRunId).orElseThrow().status());

    Cli.Result retried = Cli.run(stack.config, "--json", "retry", parkedRunId, "--step", "tokenize", "--set",
        "encoding=r50k_base");
    assertEquals(0, retried.exitCode(), retried.stdout());
    assertEquals("completed", runs.find(parkedRunId).orElseThrow().status());

    Map<String, RunRepository.Step> steps = runs.steps(parkedRunId).stream()
        .collect(Collectors.toMap(RunRepository.Step::step, s -> s));
    assertEquals(1, steps.get("ingest").executions(), "ingest was not executed again");
    assertEquals(1, steps.get("dedup").executions(), "dedup was not executed again");
    assertEquals(2, steps.get("tokenize").executions());
    assertEquals("completed", steps.get("quantize").status());
    List<StepCacheRepository.Execution> executions = new StepCacheRepository(stack.database.jdbc())
        .executions(parkedRunId);
    long ingestPartitions = executions.stream().filter(x -> x.step().equals("ingest")).count();
    assertEquals(steps.get("ingest").computed().longValue(), ingestPartitions,
        "every ingest activity ran once, in the first pass: " + executions);
    // dedup is partitioned: each stage activity ran once, in the first pass, none again after the retry
    long dedupActivities = executions.stream().filter(x -> x.step().equals("dedup")).count();
    assertTrue(dedupActivities > 1, executions.toString());
    assertEquals(steps.get("dedup").computed().longValue(), dedupActivities,
        "every dedup activity ran once, in the first pass: " + executions);
    assertTrue(executions.stream().anyMatch(x -> x.step().equals("tokenize") && x.outcome().equals("failed")));
    assertEquals(1, runs.retries(parkedRunId).size());
  }

  @Test
  @Order(2)
  void rerunFromTrainTakesTheDataStepsFromTheCacheAndTrainsAnew() throws Exception {
    Cli.Result rerun = Cli.run(stack.config, "--json", "rerun", parkedRunId, "--from", "train");
    assertEquals(0, rerun.exitCode(), rerun.stdout());
    JsonNode report = JSON.readTree(rerun.stdout());
    rerunId = report.get("runId").asText();
    assertNotEquals(parkedRunId, rerunId);
    Map<String, JsonNode> steps = stepsOf(report);
    for (String cached : List.of("ingest", "dedup", "tokenize")) {
      assertTrue(steps.get(cached).get("cacheHits").asInt() > 0, cached + " " + steps.get(cached));
      assertEquals(0, steps.get(cached).get("computed").asInt(), cached + " " + steps.get(cached));
    }
    for (String fresh : List.of("train", "evaluate", "quantize")) {
      assertEquals(0, steps.get(fresh).get("cacheHits").asInt(), fresh + " " + steps.get(fresh));
      assertTrue(steps.get(fresh).get("computed").asInt() > 0, fresh + " " + steps.get(fresh));
    }
    // lineage shows where the reused artifacts came from
    Cli.Result lineage = Cli.run(stack.config, "lineage", rerunId);
    assertTrue(lineage.stdout().contains("Reused from the step cache"), lineage.stdout());
    assertTrue(lineage.stdout().contains("from run " + parkedRunId), lineage.stdout());
  }

  @Test
  @Order(3)
  void aCachedArtifactDeletedFromStorageIsRecomputedNotTrusted() throws Exception {
    String prefix = "runs/" + parkedRunId + "/tokenize/";
    var shards = stack.config.objectStore().list(stack.config.bucket(), prefix).stream()
        .filter(o -> o.key().endsWith(".bin")).toList();
    assertTrue(shards.size() >= 2, "several tokenize outputs: " + shards);
    stack.config.objectStore().remove(stack.config.bucket(), shards.get(0).key());

    Cli.Result rerun = Cli.run(stack.config, "--json", "rerun", parkedRunId, "--from", "train");
    assertEquals(0, rerun.exitCode(), rerun.stdout());
    Map<String, JsonNode> steps = stepsOf(JSON.readTree(rerun.stdout()));
    assertEquals(0, steps.get("ingest").get("computed").asInt());
    assertEquals(0, steps.get("dedup").get("computed").asInt());
    assertEquals(1, steps.get("tokenize").get("computed").asInt(), "only the shard whose output is gone: "
        + steps.get("tokenize"));
    assertTrue(steps.get("tokenize").get("cacheHits").asInt() >= 1);
  }

  // ---- The same flows from the Temporal Web UI (Selenium, Debian's headless Chromium) ----

  static final Path SCREENSHOTS = Path.of("target", "ui");

  /** Starts a run that parks at tokenize; returns its run id once our database says it is parked. */
  static String startParkedRun(RunRequest request) {
    new RunClient(stack.temporal.client("ops-test")).start(request);
    RunRepository runs = new RunRepository(stack.database.jdbc());
    await("run " + request.runId() + " parked", Duration.ofMinutes(3),
        () -> runs.find(request.runId()).map(r -> "parked".equals(r.status())).orElse(false));
    return request.runId();
  }

  static void awaitCompleted(String runId) {
    RunRepository runs = new RunRepository(stack.database.jdbc());
    await("run " + runId + " completed", Duration.ofMinutes(4),
        () -> runs.find(runId).map(r -> "completed".equals(r.status())).orElse(false));
  }

  @Test
  @Order(4)
  void fromTheUiTheParkedListShowsTheRunAndRetryStepCompletesIt() {
    RequiredTools.browser(TemporalWebUi.browserAvailable());
    String runId = startParkedRun(request("no_such_encoding"));
    String workflowId = PretrainingRunWorkflow.workflowId(runId);
    try (TemporalWebUi ui = new TemporalWebUi(stack.config.temporalUi(), stack.config.namespace())) {
      // (a) the workflow list filtered by the search attribute
      List<String> shown = ui.waitForWorkflowInList("PipelineStatus=\"parked\"", workflowId, Duration.ofSeconds(60),
          SCREENSHOTS.resolve("ui-parked-list.png"));
      assertTrue(shown.contains(workflowId), shown.toString());

      // (b) retryStep with a JSON payload from the run's page
      TemporalWebUi.DialogOutcome outcome = ui.sendUpdate(workflowId, "retryStep",
          "{\"step\": \"tokenize\", \"set\": {\"encoding\": \"r50k_base\"}}",
          SCREENSHOTS.resolve("ui-retry-step.png"));
      outcome.requireAccepted();
      awaitCompleted(runId);
      ui.openWorkflow(workflowId);
      await("the UI shows the run completed", Duration.ofSeconds(30), () -> {
        ui.openWorkflow(workflowId);
        return ui.workflowStatus().toLowerCase(java.util.Locale.ROOT).contains("completed");
      });
      ui.screenshot(SCREENSHOTS.resolve("ui-retry-completed.png"));
    }
    Map<String, RunRepository.Step> steps = stepsByName(runId);
    assertEquals(1, steps.get("ingest").executions(), "ingest was not executed again");
    assertEquals(1, steps.get("dedup").executions(), "dedup was not executed again");
    assertEquals(2, steps.get("tokenize").executions());
  }

  @Test
  @Order(5)
  void resetFromTheUiRunsOnlyTheFailedStepAndDownstreamAgainWithUpstreamCacheHits() throws Exception {
    RequiredTools.browser(TemporalWebUi.browserAvailable());
    // a cause outside the run's parameters: a failure drill on tokenize, "fixed" by removing it
    Path fault = faultDir.resolve("tokenize");
    Files.writeString(fault, "nonretryable: scratch disk full (drill)\n");
    RunRequest request = request("r50k_base");
    // other tokenize parameters than the runs before: tokenize must compute, ingest and dedup need not
    request = request.withTokenize(new RunRequest.TokenizeParams("r50k_base", 0.25, List.of()));
    String runId;
    try {
      runId = startParkedRun(request);
    } finally {
      Files.delete(fault);
    }
    String workflowId = PretrainingRunWorkflow.workflowId(runId);
    assertEquals("InjectedFault", stepsByName(runId).get("tokenize").failureType());
    String newRun;
    try (TemporalWebUi ui = new TemporalWebUi(stack.config.temporalUi(), stack.config.namespace())) {
      newRun = ui.resetToFirstWorkflowTask(workflowId, "drill over: scratch disk freed",
          SCREENSHOTS.resolve("ui-reset.png"));
      awaitCompleted(runId);
      await("the UI shows the reset run completed", Duration.ofSeconds(30), () -> {
        ui.openWorkflow(workflowId, newRun);
        return ui.workflowStatus().toLowerCase(java.util.Locale.ROOT).contains("completed");
      });
      ui.screenshot(SCREENSHOTS.resolve("ui-reset-completed.png"));
    }
    assertTrue(newRun != null && !newRun.isBlank());
    Map<String, RunRepository.Step> steps = stepsByName(runId);
    for (String upstream : List.of("ingest", "dedup")) {
      RunRepository.Step s = steps.get(upstream);
      assertTrue(s.cacheHits() != null && s.cacheHits() > 0, upstream + " answered from the cache: " + s);
      assertEquals(0, s.computed(), upstream + " not computed again: " + s);
    }
    assertTrue(steps.get("tokenize").computed() > 0, "tokenize ran again: " + steps.get("tokenize"));
    assertEquals("completed", steps.get("quantize").status());
  }

  @Test
  @Order(6)
  void secretsAreNeverInPayloadsHistoriesTheDatabaseReportsOrLogs() throws Exception {
    List<String> secrets = List.of(stack.config.s3SecretKey());
    assertTrue(secrets.get(0).length() >= 8, "a secret distinctive enough to search for");
    StringBuilder everything = new StringBuilder();
    // Temporal: every history of the namespace (inputs, results, failures, search attributes)
    for (String workflowId : listWorkflowIds("")) {
      everything.append(stack.temporal.client("ops-test").fetchHistory(workflowId).toJson(false));
    }
    // our database, all of it
    for (String table : List.of("runs", "steps", "artifacts", "artifact_inputs", "sources", "documents",
        "document_decisions", "quarantine", "evaluations", "step_cache", "step_executions", "step_retries",
        "artifact_reuse")) {
      stack.database.jdbc().query("SELECT * FROM " + table, rs -> {
        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
          everything.append(rs.getString(i)).append('\n');
        }
      });
    }
    // what the CLI prints: configuration, reports, lineage
    for (String[] command : new String[][] {{"config"}, {"status", parkedRunId}, {"lineage", parkedRunId},
        {"lineage", rerunId}, {"runs"}}) {
      List<String> args = new java.util.ArrayList<>(List.of("--json"));
      args.addAll(List.of(command));
      Cli.Result r = Cli.run(stack.config, args.toArray(String[]::new));
      assertEquals(0, r.exitCode(), String.join(" ", command) + ": " + r.stdout());
      everything.append(r.stdout());
    }
    // every log event of the runs above
    LOGS.list.forEach(e -> everything.append(e.getFormattedMessage()).append('\n'));
    assertTrue(everything.length() > 100_000, "searched " + everything.length() + " characters");
    // the worker's own events of the two runs searched above were captured (whatever else ran)
    for (String id : List.of(parkedRunId, rerunId)) {
      assertTrue(LOGS.list.stream().anyMatch(e -> e.getFormattedMessage().startsWith("run " + id + " trained")),
          "no log event 'run " + id + " trained' among the " + LOGS.list.size() + " captured");
    }
    for (String secret : secrets) {
      assertEquals(-1, everything.indexOf(secret), "the S3 secret key appears in payloads, the database, output or logs");
    }
  }

  static Map<String, RunRepository.Step> stepsByName(String runId) {
    return new RunRepository(stack.database.jdbc()).steps(runId).stream()
        .collect(Collectors.toMap(RunRepository.Step::step, s -> s));
  }

  static Map<String, JsonNode> stepsOf(JsonNode report) {
    Map<String, JsonNode> m = new java.util.LinkedHashMap<>();
    report.get("steps").forEach(s -> m.put(s.get("step").asText(), s));
    return m;
  }

  static List<String> listWorkflowIds(String query) {
    return stack.temporal.stubs().blockingStub().listWorkflowExecutions(ListWorkflowExecutionsRequest.newBuilder()
            .setNamespace(stack.config.namespace()).setQuery(query).build())
        .getExecutionsList().stream().map(WorkflowExecutionInfo::getExecution).map(e -> e.getWorkflowId()).toList();
  }

  static void await(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return;
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
  }
}
