package dev.pretrain.ops.metrics;

import com.uber.m3.tally.RootScopeBuilder;
import com.uber.m3.tally.Scope;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.temporal.common.interceptors.WorkerInterceptor;
import io.temporal.common.reporter.MicrometerClientStatsReporter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;

/**
 * The metrics of one worker process, in one Prometheus registry: the Temporal SDK's own
 * ({@code temporal_*}: requests, polls, task latencies, slots), ours from {@link ActivityMetricsInterceptor}
 * ({@code pretrain_activity_*}), runs by status from our database ({@code pretrain_runs}), and the JVM's
 * ({@code jvm_*}, {@code process_*}, {@code system_*}).
 *
 * <p>Order of use: {@link #create}, connect Temporal with {@link #temporalScope()} on the service
 * stubs, add {@link #activityInterceptor()} to the worker factory, {@link #countRuns} once the
 * database is open, {@link #serve} to expose {@code /metrics}; {@link #close} at the end.
 */
public final class PipelineMetrics implements AutoCloseable {

  /** How often the SDK's tally scope pushes into the registry (its default is one second too). */
  public static final Duration DEFAULT_SDK_REPORT_INTERVAL = Duration.ofSeconds(1);

  private final PrometheusMeterRegistry registry;
  private final Scope temporalScope;
  private final ActivityMetricsInterceptor interceptor;
  private final JvmGcMetrics gc;
  private final ExpositionFormats formats = ExpositionFormats.init();
  private RunStatusGauges runs;
  private MetricsServer server;
  private boolean closed;

  private PipelineMetrics(Duration sdkReportInterval) {
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    temporalScope = new RootScopeBuilder()
        .reporter(new MicrometerClientStatsReporter(registry))
        .reportEvery(com.uber.m3.util.Duration.ofMillis(sdkReportInterval.toMillis()));
    interceptor = new ActivityMetricsInterceptor(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    gc = new JvmGcMetrics();
    gc.bindTo(registry);
  }

  public static PipelineMetrics create() {
    return new PipelineMetrics(DEFAULT_SDK_REPORT_INTERVAL);
  }

  /** @param sdkReportInterval how often the SDK's metrics reach the registry (tests use a short one) */
  public static PipelineMetrics create(Duration sdkReportInterval) {
    return new PipelineMetrics(sdkReportInterval);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** For {@code WorkflowServiceStubsOptions.setMetricsScope}: the SDK reports into our registry through it. */
  public Scope temporalScope() {
    return temporalScope;
  }

  /** Times and counts activities; one per process, shared by all its workers. */
  public WorkerInterceptor activityInterceptor() {
    return interceptor;
  }

  /** Serves {@code pretrain_runs{status}} from {@code source}, read at every scrape. Replaces an earlier source. */
  public synchronized void countRuns(RunStatusGauges.Source source) {
    if (runs != null) {
      runs.close();
    }
    runs = source == null ? null : new RunStatusGauges(registry, source);
  }

  /**
   * Starts the HTTP endpoint on {@code host:port} (port 0: any free port).
   *
   * @return the server; its {@link MetricsServer#url()} is what to print
   * @throws IllegalStateException when the port is taken
   */
  public synchronized MetricsServer serve(String host, int port) {
    if (server != null) {
      throw new IllegalStateException("metrics already served at " + server.url());
    }
    server = MetricsServer.start(host, port, this::exposition);
    return server;
  }

  /** The text Prometheus gets: runs re-counted first, then everything in the registry. */
  public String scrape() {
    return new String(exposition(null).body(), java.nio.charset.StandardCharsets.UTF_8);
  }

  /** The exposition in the format the Accept header asks for (Prometheus text, or OpenMetrics). */
  MetricsServer.Exposition exposition(String accept) {
    RunStatusGauges r;
    synchronized (this) {
      r = runs;
    }
    if (r != null) {
      r.refresh();
    }
    // One writer picks both the body's format and its content type; no Accept: Prometheus text 0.0.4.
    ExpositionFormatWriter writer = formats.findWriter(accept == null || accept.isBlank() ? "text/plain" : accept);
    ByteArrayOutputStream body = new ByteArrayOutputStream(16 * 1024);
    try {
      writer.write(body, registry.getPrometheusRegistry().scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new MetricsServer.Exposition(writer.getContentType(), body.toByteArray());
  }

  /** Stops serving, flushes the SDK's last values and releases the registry. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (server != null) {
      server.close();
    }
    if (runs != null) {
      runs.close();
    }
    try {
      temporalScope.close(); // reports what is left
    } catch (com.uber.m3.tally.ScopeCloseException e) {
      // its reporter is our registry, closed next: nothing to lose
    }
    gc.close();
    registry.close();
  }
}
