package dev.pretrain.ops.worker;

import dev.pretrain.ops.client.TemporalService;
import dev.pretrain.ops.config.PretrainConfig;
import dev.pretrain.ops.metrics.MetricsServer;
import dev.pretrain.ops.metrics.PipelineMetrics;
import dev.pretrain.workflows.run.PretrainingRunWorkflow;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A worker process: metrics endpoint, Temporal connection and {@link PipelineWorker}, started in that
 * order and stopped by the JVM's shutdown (Ctrl-C, SIGTERM). Both {@code pretrain worker} and the slim
 * {@link WorkerMain} run one.
 */
public final class WorkerProcess {

  private final PretrainConfig config;
  private final WorkerOptions options;
  private final PipelineWorker worker;
  private final MetricsServer metricsServer;
  private final CountDownLatch stopped = new CountDownLatch(1);

  private WorkerProcess(PretrainConfig config, WorkerOptions options, PipelineWorker worker,
      MetricsServer metricsServer) {
    this.config = config;
    this.options = options;
    this.worker = worker;
    this.metricsServer = metricsServer;
  }

  /** Starts the worker and registers its shutdown; fails with {@link WorkerStartException} on what a user can fix. */
  public static WorkerProcess start(PretrainConfig cfg, WorkerOptions options) {
    int port = options.metricsPort(cfg.metricsPort());
    if (port < 0 || port > 65535) {
      throw new WorkerStartException("--metrics-port must be 0..65535 (0 turns metrics off), got " + port);
    }
    // Bound before anything else starts, so that a taken port fails the command at once.
    PipelineMetrics metrics = port == 0 ? null : PipelineMetrics.create();
    MetricsServer metricsServer = null;
    if (metrics != null) {
      try {
        metricsServer = metrics.serve(options.metricsHost(), port);
      } catch (IllegalStateException e) {
        metrics.close();
        throw new WorkerStartException(e.getMessage() + "\n  Pick another port with --metrics-port N"
            + " (each worker on a machine needs its own), or --metrics-port 0 for none.");
      }
    }
    TemporalService temporal;
    PipelineWorker worker;
    try {
      temporal = connectTemporal(cfg, metrics);
      try {
        worker = PipelineWorker.start(cfg, temporal, options.slots(), metrics, options.modelQueue(),
            options.region(cfg.region()), options.policy(cfg.policyFile()));
      } catch (RuntimeException e) {
        temporal.close();
        throw e;
      }
    } catch (RuntimeException e) {
      if (metrics != null) {
        metrics.close();
      }
      throw e;
    }
    WorkerProcess p = new WorkerProcess(cfg, options, worker, metricsServer);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.err.println("Worker " + worker.identity() + " stopping ...");
      worker.close();
      temporal.close();
      if (metrics != null) {
        metrics.close();
      }
      p.stopped.countDown();
    }, "pretrain-worker-shutdown"));
    return p;
  }

  /** Blocks until the JVM shuts the worker down. */
  public void awaitStop() throws InterruptedException {
    stopped.await();
  }

  /** What runs where, for {@code --json}. */
  public Map<String, Object> description() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("identity", worker.identity());
    d.put("pid", ProcessHandle.current().pid());
    d.put("taskQueue", PretrainingRunWorkflow.TASK_QUEUE);
    d.put("temporal", config.temporalAddress());
    d.put("namespace", config.namespace());
    d.put("s3", config.s3Endpoint());
    d.put("jdbcUrl", config.jdbcUrl());
    d.put("maxActivities", options.slots());
    d.put("modelTaskQueue", modelQueue());
    d.put("region", worker.region() == null ? null : worker.region().name());
    d.put("dataTaskQueue", worker.region() == null ? PretrainingRunWorkflow.TASK_QUEUE : worker.region().dataQueue());
    d.put("workDir", worker.workDir().toString());
    d.put("metrics", metricsServer == null ? null : metricsServer.url());
    return d;
  }

  /** The same, for people. */
  public String banner() {
    String modelQueue = modelQueue();
    var region = worker.region();
    return "Worker " + worker.identity() + " polling task queue '" + PretrainingRunWorkflow.TASK_QUEUE + "' on "
        + config.temporalAddress() + " (namespace " + config.namespace() + "), " + options.slots()
        + " activity slots\n"
        + (region == null ? "" : "  region " + region.name() + ": data steps on task queue '" + region.dataQueue()
            + "' (the default queue only for workflow tasks and bookkeeping), bucket " + region.bucket() + "\n")
        + "  model steps: " + (modelQueue == null ? "not served (--model-queue none)"
            : "task queue '" + modelQueue + "', one at a time") + "\n"
        + "  S3 " + config.s3Endpoint() + ", database " + config.jdbcUrl() + "\n"
        + "  scratch " + worker.workDir() + "\n"
        + "  metrics " + (metricsServer == null ? "off (--metrics-port 0)" : metricsServer.url()) + "\n"
        + "  OpenLineage events " + openLineageTargets() + "\n"
        + "Ctrl-C stops it.";
  }

  /** The model steps' queue this worker serves, or null. */
  private String modelQueue() {
    var region = worker.region();
    return region == null || options.modelQueue() == PipelineWorker.ModelQueue.NONE
        ? options.modelQueue().taskQueue() : region.modelQueue();
  }

  private String openLineageTargets() {
    var ol = config.openLineage();
    String file = ol.file() == null ? null : ol.file().toString();
    String url = ol.url() == null ? null : ol.url().toString();
    String both = file != null && url != null ? file + " and " + url : file != null ? file : url;
    return (both == null ? "off" : "to " + both) + " (namespace " + ol.namespace() + ")";
  }

  /** Connects with the SDK's metrics reported into {@code metrics} (the scope must be on the worker's stubs). */
  private static TemporalService connectTemporal(PretrainConfig c, PipelineMetrics metrics) {
    TemporalService t = TemporalService.connect(c.temporalAddress(), c.namespace(),
        metrics == null ? null : metrics.temporalScope(), c.temporalTls());
    try {
      t.awaitReady(Duration.ofSeconds(30), () -> true);
      return t;
    } catch (RuntimeException e) {
      t.close();
      throw new WorkerStartException("cannot reach Temporal at " + c.temporalAddress() + " (namespace "
          + c.namespace() + "): " + rootMessage(e)
          + (c.origins().get("temporal.address").equals("default") ? "\n  Is the local stack up? Start it with ./pretrain up" : ""));
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }
}
