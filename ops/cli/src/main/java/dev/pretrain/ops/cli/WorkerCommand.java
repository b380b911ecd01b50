package dev.pretrain.ops.cli;

import dev.pretrain.ops.client.TemporalService;
import dev.pretrain.ops.config.PretrainConfig;
import dev.pretrain.ops.metrics.MetricsServer;
import dev.pretrain.ops.metrics.PipelineMetrics;
import dev.pretrain.ops.worker.PipelineWorker;
import dev.pretrain.workflows.run.PretrainingRunWorkflow;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "worker", mixinStandardHelpOptions = true,
    description = {"Run a worker process: polls the pipeline's task queue for workflow and activity tasks.",
        "Start several (here or on other machines with the same config) to share a run's partitions.",
        "Runs until killed (Ctrl-C / SIGTERM finish the running activities for up to 30 s)."})
public final class WorkerCommand extends BaseCommand {

  @Option(names = "--max-activities", paramLabel = "N",
      description = "Activities (partitions) run at once; default: number of CPU cores.")
  Integer maxActivities;

  @Option(names = "--model-queue", paramLabel = "Q", defaultValue = "AUTO",
      description = "Which model-step queue (train, evaluate, quantize) this worker serves: auto (gpu when DJL "
          + "sees a GPU here, else cpu), cpu, gpu, or none (batch steps only). Runs send model steps to the gpu "
          + "queue whenever a worker serves it. Default: ${DEFAULT-VALUE}.")
  PipelineWorker.ModelQueue modelQueue;

  @Option(names = "--metrics-port", paramLabel = "PORT",
      description = "Serve Prometheus metrics at http://HOST:PORT/metrics; 0 turns them off "
          + "(config metricsPort, env PRETRAIN_METRICS_PORT; default 9464).")
  Integer metricsPort;

  @Option(names = "--metrics-host", paramLabel = "HOST", defaultValue = "127.0.0.1",
      description = "Address the metrics endpoint listens on (default ${DEFAULT-VALUE}; 0.0.0.0 for a "
          + "Prometheus on another machine).")
  String metricsHost;

  @Override
  public Integer call() throws Exception {
    PretrainConfig cfg = config();
    int port = metricsPort != null ? metricsPort : cfg.metricsPort();
    if (port < 0 || port > 65535) {
      throw new UserException("--metrics-port must be 0..65535 (0 turns metrics off), got " + port);
    }
    // Bound before anything else starts, so that a taken port fails the command at once.
    PipelineMetrics metrics = port == 0 ? null : PipelineMetrics.create();
    MetricsServer metricsServer = null;
    if (metrics != null) {
      try {
        metricsServer = metrics.serve(metricsHost, port);
      } catch (IllegalStateException e) {
        metrics.close();
        throw new UserException(e.getMessage() + "\n  Pick another port with --metrics-port N"
            + " (each worker on a machine needs its own), or --metrics-port 0 for none.");
      }
    }
    int slots = maxActivities != null ? maxActivities : Runtime.getRuntime().availableProcessors();
    TemporalService temporal;
    PipelineWorker worker;
    try {
      temporal = connectTemporal(cfg, metrics);
      try {
        worker = PipelineWorker.start(cfg, temporal, slots, metrics, modelQueue);
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
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.err.println("Worker " + worker.identity() + " stopping ...");
      worker.close();
      temporal.close();
      if (metrics != null) {
        metrics.close();
      }
      stopped.countDown();
    }, "pretrain-worker-shutdown"));

    Map<String, Object> d = new LinkedHashMap<>();
    d.put("identity", worker.identity());
    d.put("pid", ProcessHandle.current().pid());
    d.put("taskQueue", PretrainingRunWorkflow.TASK_QUEUE);
    d.put("temporal", cfg.temporalAddress());
    d.put("namespace", cfg.namespace());
    d.put("s3", cfg.s3Endpoint());
    d.put("jdbcUrl", cfg.jdbcUrl());
    d.put("maxActivities", slots);
    d.put("modelTaskQueue", modelQueue.taskQueue());
    d.put("workDir", worker.workDir().toString());
    d.put("metrics", metricsServer == null ? null : metricsServer.url());
    emit("Worker " + worker.identity() + " polling task queue '" + PretrainingRunWorkflow.TASK_QUEUE + "' on "
        + cfg.temporalAddress() + " (namespace " + cfg.namespace() + "), " + slots + " activity slots\n"
        + "  model steps: " + (modelQueue.taskQueue() == null ? "not served (--model-queue none)"
            : "task queue '" + modelQueue.taskQueue() + "', one at a time") + "\n"
        + "  S3 " + cfg.s3Endpoint() + ", database " + cfg.jdbcUrl() + "\n"
        + "  scratch " + worker.workDir() + "\n"
        + "  metrics " + (metricsServer == null ? "off (--metrics-port 0)" : metricsServer.url()) + "\n"
        + "Ctrl-C stops it.", d);
    stopped.await();
    return 0;
  }

  /**
   * {@link BaseCommand#connectTemporal} with the SDK's metrics reported into {@code metrics}: the
   * scope must be on the service stubs that the worker factory uses.
   */
  private TemporalService connectTemporal(PretrainConfig c, PipelineMetrics metrics) {
    if (metrics == null) {
      return connectTemporal(Duration.ofSeconds(30));
    }
    TemporalService t = TemporalService.connect(c.temporalAddress(), c.namespace(), metrics.temporalScope(), c.temporalTls());
    try {
      t.awaitReady(Duration.ofSeconds(30), () -> true);
      return t;
    } catch (RuntimeException e) {
      t.close();
      throw new UserException("cannot reach Temporal at " + c.temporalAddress() + " (namespace " + c.namespace()
          + "): " + rootMessage(e)
          + (c.origins().get("temporal.address").equals("default") ? "\n  Is the local stack up? Start it with ./pretrain up" : ""));
    }
  }
}
