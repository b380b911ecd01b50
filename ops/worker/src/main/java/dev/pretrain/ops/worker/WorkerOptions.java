package dev.pretrain.ops.worker;

import picocli.CommandLine.Option;

/** The options of a worker process: shared by {@code pretrain worker} and the slim {@link WorkerMain}. */
public final class WorkerOptions {

  @Option(names = "--max-activities", paramLabel = "N",
      description = "Activities (partitions) run at once; default: number of CPU cores.")
  Integer maxActivities;

  @Option(names = "--model-queue", paramLabel = "Q", defaultValue = "AUTO",
      description = "Which model-step queue (train, evaluate, quantize) this worker serves: auto (gpu when DJL "
          + "sees a GPU here, else cpu), cpu, gpu, or none (batch steps only). Runs send model steps to the gpu "
          + "queue whenever a worker serves it. Default: ${DEFAULT-VALUE}.")
  PipelineWorker.ModelQueue modelQueue = PipelineWorker.ModelQueue.AUTO;

  @Option(names = "--region", paramLabel = "R",
      description = "The region this worker is in (config region, env PRETRAIN_REGION): it serves that region's "
          + "data and model queues of the sovereignty policy instead of the default ones, and records the region "
          + "as where steps ran. Needs a policy that configures the region (docs/sovereignty.md).")
  String region;

  @Option(names = "--policy", paramLabel = "FILE",
      description = "The sovereignty policy (config policy, env PRETRAIN_POLICY); every worker of a deployment "
          + "needs the same one. Without one, runs are not restricted.")
  String policy;

  @Option(names = "--metrics-port", paramLabel = "PORT",
      description = "Serve Prometheus metrics at http://HOST:PORT/metrics; 0 turns them off "
          + "(config metricsPort, env PRETRAIN_METRICS_PORT; default 9464).")
  Integer metricsPort;

  @Option(names = "--metrics-host", paramLabel = "HOST", defaultValue = "127.0.0.1",
      description = "Address the metrics endpoint listens on (default ${DEFAULT-VALUE}; 0.0.0.0 for a "
          + "Prometheus on another machine).")
  String metricsHost = "127.0.0.1";

  /** Activity slots: the option, else one per CPU core. */
  public int slots() {
    return maxActivities != null ? maxActivities : Runtime.getRuntime().availableProcessors();
  }

  public PipelineWorker.ModelQueue modelQueue() {
    return modelQueue;
  }

  /** The metrics port: the option, else the configured one. */
  public int metricsPort(int configured) {
    return metricsPort != null ? metricsPort : configured;
  }

  /** The region: the option, else the configured one (null: none). */
  public String region(String configured) {
    return region != null && !region.isBlank() ? region.strip() : configured;
  }

  /** The policy file: the option, else the configured one (null: none). */
  public String policy(String configured) {
    return policy != null && !policy.isBlank() ? policy.strip() : configured;
  }

  public String metricsHost() {
    return metricsHost;
  }
}
