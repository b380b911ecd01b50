package dev.pretrain.tests.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pretrain.tests.RequiredTools;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.enums.v1.WorkflowTaskFailedCause;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.history.v1.WorkflowTaskFailedEventAttributes;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves {@link TemporalWebUi} against the real thing: the Temporal CLI's dev server with its Web UI,
 * an in-process worker for {@link UiProbeWorkflow}, and headless Chromium. Each step is done in the
 * browser and checked through the SDK client, so a UI change that silently does nothing fails here.
 * Screenshots land in {@code target/ui/} of this module.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class TemporalWebUiTest {

  // Ports handed to this test; nothing else of the suite uses them
  private static final int GRPC_PORT = 27233;
  private static final int UI_PORT = 28233;
  private static final int METRICS_PORT = 27234;
  private static final int HTTP_PORT = 27235;
  private static final int CHROMEDRIVER_PORT = 27236;
  private static final String NAMESPACE = "default";
  private static final Path SHOTS = Path.of("target", "ui");

  @Test
  void listSignalUpdateAndResetThroughTheWebUi(@TempDir Path tmp) throws Exception {
    Optional<Path> temporal = Optional.of(RequiredTools.temporal(findTemporal()));
    RequiredTools.browser(TemporalWebUi.browserAvailable());
    Files.createDirectories(SHOTS);

    Process server = startDevServer(temporal.get(), tmp.resolve("temporal.db"));
    WorkflowServiceStubs service = null;
    WorkerFactory workers = null;
    try {
      service = WorkflowServiceStubs.newServiceStubs(
          WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + GRPC_PORT).build());
      awaitServer(server, service);
      registerStatusAttribute();
      awaitUi(server);

      WorkflowClient client = WorkflowClient.newInstance(service,
          WorkflowClientOptions.newBuilder().setNamespace(NAMESPACE).build());
      String taskQueue = "ui-probe";
      workers = WorkerFactory.newInstance(client);
      workers.newWorker(taskQueue).registerWorkflowImplementationTypes(UiProbeWorkflowImpl.class);
      workers.start();

      String workflowId = "ui-probe-" + UUID.randomUUID().toString().substring(0, 8);
      UiProbeWorkflow probe = client.newWorkflowStub(UiProbeWorkflow.class,
          WorkflowOptions.newBuilder().setTaskQueue(taskQueue).setWorkflowId(workflowId).build());
      String firstRun = WorkflowClient.start(probe::park, "probe").getRunId();

      TemporalWebUi.Options options = TemporalWebUi.Options.defaults().withDriverPort(CHROMEDRIVER_PORT);
      try (TemporalWebUi ui = new TemporalWebUi("http://127.0.0.1:" + UI_PORT, NAMESPACE, options)) {
        // (a) the list filtered on our custom search attribute shows the parked workflow
        List<String> listed = ui.waitForWorkflowInList("PipelineStatus=\"parked\"", workflowId,
            Duration.ofSeconds(30), SHOTS.resolve("1-list-parked.png"));
        assertTrue(listed.contains(workflowId), listed::toString);

        // (c) Reset to the first workflow task: a new run of the same id whose history starts over
        String reason = "ui test: start over";
        String resetRun = ui.resetToFirstWorkflowTask(workflowId, reason, SHOTS.resolve("2-reset-first-task.png"));
        assertNotEquals(firstRun, resetRun);
        assertEquals(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED, status(service, workflowId, firstRun));
        assertEquals(resetRun, latestRun(service, workflowId), "the reset run is now the workflow's current run");
        List<HistoryEvent> history = client.fetchHistory(workflowId, resetRun).getHistory().getEventsList();
        assertEquals(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, history.get(0).getEventType());
        WorkflowTaskFailedEventAttributes marker = history.stream()
            .filter(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)
            .map(HistoryEvent::getWorkflowTaskFailedEventAttributes)
            .filter(a -> a.getCause() == WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW)
            .findFirst().orElseThrow(() -> new AssertionError("no reset marker in " + history));
        assertEquals(firstRun, marker.getBaseRunId());
        assertTrue(marker.getFailure().getMessage().contains(reason), marker.getFailure()::getMessage);
        assertEquals(resetRun, ui.openWorkflow(workflowId), "the UI follows the workflow id to the reset run");

        // (b) a Signal, a rejected Update and an accepted one, all typed into the UI's dialogs
        ui.sendSignal(workflowId, "note", "\"sent from the Web UI\"", SHOTS.resolve("3-signal-note.png"))
            .requireAccepted();
        TemporalWebUi.DialogOutcome rejected = ui.sendUpdate(workflowId, "retryStep", "{\"set\":{}}",
            SHOTS.resolve("4-update-rejected.png"));
        assertFalse(rejected.accepted(), rejected::toString);
        assertTrue(rejected.message().contains("retryStep needs a non-empty \"step\""), rejected::message);
        TemporalWebUi.DialogOutcome accepted = ui.sendUpdate(workflowId, "retryStep",
            "{\"step\":\"tokenize\",\"set\":{\"encoding\":\"r50k_base\"}}", SHOTS.resolve("5-update-retryStep.png"))
            .requireAccepted();
        assertTrue(accepted.message().toLowerCase().contains("update"), accepted::message);

        String expected = "probe: retried tokenize with {encoding=r50k_base} notes=[sent from the Web UI]";
        assertEquals(expected, resultOf(client, workflowId, resetRun));
        assertEquals(resetRun, ui.openWorkflow(workflowId));
        assertEquals("Completed", ui.workflowStatus());
        ui.screenshot(SHOTS.resolve("6-completed.png"));

        // (c) again, to a chosen WorkflowTaskCompleted of the completed run: the signal and update that
        // came after it are reapplied by default, so the third run ends the same way
        long firstTaskCompleted = client.fetchHistory(workflowId, resetRun).getHistory().getEventsList().stream()
            .filter(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
            .mapToLong(HistoryEvent::getEventId).findFirst().orElseThrow();
        String thirdRun = ui.resetToEvent(workflowId, firstTaskCompleted, "ui test: replay the operator's fix",
            SHOTS.resolve("7-reset-to-event.png"));
        assertNotEquals(resetRun, thirdRun);
        assertEquals(expected, resultOf(client, workflowId, thirdRun));

        // A step the UI cannot do fails with the page kept for debugging beside the screenshot's path
        Path missing = SHOTS.resolve("8-expected-failure-reset-to-missing-event.png");
        IllegalStateException failure = assertThrows(IllegalStateException.class,
            () -> ui.resetToEvent(workflowId, 9_999, "no such event", missing));
        assertTrue(failure.getMessage().contains("no reset point event 9999"), failure::getMessage);
        assertTrue(Files.exists(SHOTS.resolve("8-expected-failure-reset-to-missing-event-failure.png")));
        assertTrue(Files.exists(SHOTS.resolve("8-expected-failure-reset-to-missing-event-failure.html")));
      }
    } finally {
      if (workers != null) {
        workers.shutdownNow();
        workers.awaitTermination(10, TimeUnit.SECONDS);
      }
      if (service != null) {
        service.shutdownNow();
        service.awaitTermination(5, TimeUnit.SECONDS);
      }
      stop(server);
    }
  }

  private static String resultOf(WorkflowClient client, String workflowId, String runId) throws Exception {
    return client.newUntypedWorkflowStub(
            WorkflowExecution.newBuilder().setWorkflowId(workflowId).setRunId(runId).build(), Optional.empty())
        .getResult(30, TimeUnit.SECONDS, String.class);
  }

  /** TEMPORAL_BIN, then the repository's own install (docs/architecture.md §4), then PATH. */
  private static Optional<Path> findTemporal() {
    String fromEnv = System.getenv("TEMPORAL_BIN");
    if (fromEnv != null && !fromEnv.isBlank() && Files.isExecutable(Path.of(fromEnv))) {
      return Optional.of(Path.of(fromEnv));
    }
    // Surefire runs in the module folder; the repository root is its parent
    for (Path root = Path.of("").toAbsolutePath(); root != null; root = root.getParent()) {
      Path local = root.resolve(".pretrain/tools/venv/bin/temporal");
      if (Files.isExecutable(local)) {
        return Optional.of(local);
      }
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, "temporal");
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  private static Process startDevServer(Path temporal, Path dbFile) throws IOException {
    Path log = SHOTS.resolve("temporal-dev.log");
    return new ProcessBuilder(temporal.toString(), "server", "start-dev",
        "--ip", "127.0.0.1", "--port", String.valueOf(GRPC_PORT), "--ui-port", String.valueOf(UI_PORT),
        "--http-port", String.valueOf(HTTP_PORT), "--metrics-port", String.valueOf(METRICS_PORT),
        "--db-filename", dbFile.toString(), "--namespace", NAMESPACE, "--log-level", "warn",
        // no calls out of the machine from the UI's news feed
        "--ui-disable-news-fetch")
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }

  private static void awaitServer(Process server, WorkflowServiceStubs service) {
    awaitUp(server, "the dev server's frontend", () -> {
      try {
        service.blockingStub().describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace(NAMESPACE).build());
        return true;
      } catch (RuntimeException notYet) {
        return false;
      }
    });
  }

  /** The way an existing database gets a new attribute: OperatorService, not the start-up flag. */
  private static void registerStatusAttribute() {
    OperatorServiceStubs operator = OperatorServiceStubs.newServiceStubs(OperatorServiceStubsOptions.newBuilder()
        .setTarget("127.0.0.1:" + GRPC_PORT).validateAndBuildWithDefaults());
    try {
      operator.blockingStub().addSearchAttributes(AddSearchAttributesRequest.newBuilder()
          .setNamespace(NAMESPACE)
          .putSearchAttributes(UiProbeWorkflow.STATUS_ATTRIBUTE, IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)
          .build());
      assertTrue(operator.blockingStub()
          .listSearchAttributes(ListSearchAttributesRequest.newBuilder().setNamespace(NAMESPACE).build())
          .getCustomAttributesMap().containsKey(UiProbeWorkflow.STATUS_ATTRIBUTE));
    } finally {
      operator.shutdownNow();
    }
  }

  private static void awaitUi(Process server) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + UI_PORT + "/")).GET().build();
    awaitUp(server, "the Web UI", () -> {
      try {
        return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
      } catch (IOException notYet) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    });
  }

  private static void awaitUp(Process server, String what, BooleanSupplier up) {
    Instant deadline = Instant.now().plusSeconds(60);
    while (!up.getAsBoolean()) {
      if (!server.isAlive()) {
        throw new IllegalStateException("the dev server exited (" + server.exitValue() + "); see "
            + SHOTS.resolve("temporal-dev.log").toAbsolutePath() + " (are ports " + GRPC_PORT + "/" + UI_PORT + " free?)");
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException(what + " did not come up within 60 s");
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  private static WorkflowExecutionStatus status(WorkflowServiceStubs service, String workflowId, String runId) {
    return describe(service, workflowId, runId).getStatus();
  }

  private static String latestRun(WorkflowServiceStubs service, String workflowId) {
    return describe(service, workflowId, "").getExecution().getRunId();
  }

  private static io.temporal.api.workflow.v1.WorkflowExecutionInfo describe(WorkflowServiceStubs service,
      String workflowId, String runId) {
    return service.blockingStub().describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
        .setNamespace(NAMESPACE)
        .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId).setRunId(runId))
        .build()).getWorkflowExecutionInfo();
  }

  private static void stop(Process server) throws InterruptedException {
    server.destroy();
    if (!server.waitFor(15, TimeUnit.SECONDS)) {
      server.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }
}
