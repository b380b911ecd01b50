package dev.pretrain.ops.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pretrain.db.Database;
import dev.pretrain.db.runs.RunRepository;
import dev.pretrain.ops.worker.PipelineWorker;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real activity execution on a Temporal test server, seen through the worker's interceptor, the
 * SDK's own metrics and the runs table of a real (in-memory H2) database, all read back over HTTP
 * from {@code /metrics} as Prometheus would.
 */
class WorkerMetricsTest {

  static final int PORT = 49464;
  static final String QUEUE = "metrics-test";

  /** Looks like a step's result: counted by component name. */
  public record ShardResult(int shardIndex, long documents, long kept, long trainTokens, long valTokens) {}

  @ActivityInterface
  public interface TinySteps {
    ShardResult tokenize(int documents);

    void flaky(String key);
  }

  public static final class TinyStepsImpl implements TinySteps {
    final AtomicInteger flakyCalls = new AtomicInteger();

    @Override
    public ShardResult tokenize(int documents) {
      try {
        Thread.sleep(50); // a measurable duration for the per-second summaries
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return new ShardResult(0, documents, documents - 1, documents * 100L, documents * 10L);
    }

    @Override
    public void flaky(String key) {
      if (flakyCalls.incrementAndGet() == 1) {
        throw ApplicationFailure.newFailure("disk full writing " + key, "StorageFault");
      }
    }
  }

  @WorkflowInterface
  public interface TinyRun {
    @WorkflowMethod
    long run(int documents);
  }

  public static final class TinyRunImpl implements TinyRun {
    private final TinySteps steps = Workflow.newActivityStub(TinySteps.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofSeconds(30))
        .setRetryOptions(RetryOptions.newBuilder().setInitialInterval(Duration.ofMillis(10)).setMaximumAttempts(3).build())
        .build());

    @Override
    public long run(int documents) {
      steps.flaky("shard-0");
      return steps.tokenize(documents).trainTokens();
    }
  }

  private PipelineMetrics metrics;
  private Database db;
  private TestWorkflowEnvironment env;

  @BeforeEach
  void start() {
    metrics = PipelineMetrics.create(Duration.ofMillis(100));
    db = Database.open("jdbc:h2:mem:metrics-" + UUID.randomUUID()
        + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1", "sa", "");
    env = TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.newBuilder()
        .setMetricsScope(metrics.temporalScope())
        .setWorkerFactoryOptions(PipelineWorker.factoryOptions(PipelineWorker.interceptors(metrics)))
        .build());
  }

  @AfterEach
  void stop() {
    env.close();
    metrics.close();
    db.close();
  }

  @Test
  void activityRunsAreCountedAndServedOverHttp() throws Exception {
    RunRepository runs = new RunRepository(db.jdbc());
    runs.started("r-running", "pretrain-r-running", "demo", "{}", Instant.now());
    runs.started("r-parked", "pretrain-r-parked", "demo", "{}", Instant.now());
    runs.finished("r-parked", "parked", "tokenize: disk full", Instant.now());
    metrics.countRuns(RunStatusGauges.fromDatabase(db.jdbc()));

    Worker worker = env.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(TinyRunImpl.class);
    TinyStepsImpl steps = new TinyStepsImpl();
    worker.registerActivitiesImplementations(steps);
    env.start();
    MetricsServer server = metrics.serve("127.0.0.1", PORT);
    assertEquals("http://127.0.0.1:" + PORT + "/metrics", server.url());

    TinyRun run = env.getWorkflowClient().newWorkflowStub(TinyRun.class,
        WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId("tiny-" + UUID.randomUUID()).build());
    assertEquals(1000L, run.run(10));
    assertEquals(2, steps.flakyCalls.get());

    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> r = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    // the SDK's scope reports every 100 ms: wait for its first report to reach the registry
    while (System.nanoTime() < deadline) {
      r = http.send(HttpRequest.newBuilder(URI.create(server.url())).GET().build(), HttpResponse.BodyHandlers.ofString());
      if (r.body().contains("\ntemporal_")) {
        break;
      }
      Thread.sleep(100);
    }
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
        r.headers().toString());
    String body = r.body();

    assertMetric(body, "pretrain_activity_seconds_count{activity_type=\"Tokenize\",outcome=\"completed\"}", 1);
    assertMetric(body, "pretrain_activity_seconds_count{activity_type=\"Flaky\",outcome=\"failed\"}", 1);
    assertMetric(body, "pretrain_activity_seconds_count{activity_type=\"Flaky\",outcome=\"completed\"}", 1);
    assertMetric(body, "pretrain_activity_retries_total{activity_type=\"Flaky\"}", 1);
    assertMetric(body, "pretrain_activity_failures_total{activity_type=\"Flaky\",failure_type=\"StorageFault\"}", 1);
    assertMetric(body, "pretrain_activity_documents_total{activity_type=\"Tokenize\"}", 10);
    assertMetric(body, "pretrain_activity_documents_kept_total{activity_type=\"Tokenize\"}", 9);
    assertMetric(body, "pretrain_activity_tokens_total{activity_type=\"Tokenize\"}", 1100);
    assertMetric(body, "pretrain_activity_tokens_per_second_count{activity_type=\"Tokenize\"}", 1);
    assertTrue(body.contains("pretrain_activity_seconds_bucket{activity_type=\"Tokenize\",outcome=\"completed\",le="),
        "histogram buckets for the timer");
    assertMetric(body, "pretrain_runs{status=\"running\"}", 1);
    assertMetric(body, "pretrain_runs{status=\"parked\"}", 1);
    assertMetric(body, "pretrain_runs{status=\"abandoned\"}", 0);
    assertTrue(Pattern.compile("(?m)^temporal_\\w+").matcher(body).find(), "an SDK metric:\n" + body);
    assertTrue(Pattern.compile("(?m)^jvm_memory_used_bytes\\{").matcher(body).find(), "JVM metrics");

    // the database changes between scrapes: the gauge follows at the next scrape
    runs.finished("r-running", "completed", null, Instant.now());
    String again = http.send(HttpRequest.newBuilder(URI.create(server.url())).GET().build(),
        HttpResponse.BodyHandlers.ofString()).body();
    assertMetric(again, "pretrain_runs{status=\"running\"}", 0);
    assertMetric(again, "pretrain_runs{status=\"completed\"}", 1);

    // Prometheus asking for OpenMetrics gets it
    HttpResponse<String> om = http.send(HttpRequest.newBuilder(URI.create(server.url()))
        .header("Accept", "application/openmetrics-text; version=1.0.0; charset=utf-8").GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertTrue(om.headers().firstValue("Content-Type").orElse("").startsWith("application/openmetrics-text"),
        om.headers().toString());
    assertTrue(om.body().trim().endsWith("# EOF"));

    HttpResponse<String> notFound = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + "/x"))
        .GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(404, notFound.statusCode());
  }

  @Test
  void resultFiguresAreReadByComponentName() {
    ResultFigures f = ResultFigures.of(new ShardResult(3, 10, 9, 700, 300));
    assertEquals(OptionalLong.of(10), f.documents());
    assertEquals(OptionalLong.of(9), f.kept());
    assertEquals(OptionalLong.of(1000), f.tokens());
    record Train(long steps, long tokensSeen, long documentsSeen, Double lastLoss) {}
    ResultFigures t = ResultFigures.of(new Train(100, 51200, 42, 3.2));
    assertEquals(OptionalLong.of(51200), t.tokens());
    assertEquals(OptionalLong.of(42), t.documents());
    assertTrue(ResultFigures.of("not a record").isEmpty());
    assertTrue(ResultFigures.of(null).isEmpty());
    assertEquals("BadInput", ActivityMetricsInterceptor.failureType(
        ApplicationFailure.newNonRetryableFailure("no input", "BadInput")));
    assertEquals("IllegalStateException", ActivityMetricsInterceptor.failureType(new IllegalStateException("x")));
  }

  @Test
  void aTakenPortIsAClearError() {
    try (MetricsServer first = metrics.serve("127.0.0.1", PORT)) {
      PipelineMetrics other = PipelineMetrics.create();
      try {
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
            () -> other.serve("127.0.0.1", PORT));
        assertTrue(e.getMessage().contains("127.0.0.1:" + PORT), e.getMessage());
      } finally {
        other.close();
      }
    }
  }

  private static void assertMetric(String body, String series, double expected) {
    Pattern p = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)");
    var m = p.matcher(body);
    assertTrue(m.find(), "no " + series + " in\n" + body);
    assertEquals(expected, Double.parseDouble(m.group(1)), 1e-9, series);
  }
}
