package dev.pretrain.ops.worker;

import dev.pretrain.activities.PipelineServices;
import dev.pretrain.activities.WorkDirs;
import dev.pretrain.activities.dedup.DedupActivitiesImpl;
import dev.pretrain.activities.ingest.IngestActivitiesImpl;
import dev.pretrain.activities.run.RoutingActivitiesImpl;
import dev.pretrain.activities.run.RunLedgerActivitiesImpl;
import dev.pretrain.activities.tokenize.TokenizeActivitiesImpl;
import dev.pretrain.batch.BatchJobRunner;
import dev.pretrain.batch.dedup.DedupJobConfig;
import dev.pretrain.batch.ingest.IngestJobConfig;
import dev.pretrain.batch.tokenize.TokenizeJobConfig;
import dev.pretrain.batch.tokenizer.TokenizerJobConfig;
import dev.pretrain.activities.cache.StepCacheInterceptor;
import dev.pretrain.activities.placement.SovereigntyPolicy;
import dev.pretrain.activities.faults.FaultInjectionInterceptor;
import dev.pretrain.activities.lineage.LineageEmitter;
import dev.pretrain.activities.lineage.OpenLineageInterceptor;
import dev.pretrain.activities.lineage.ResidencyLookup;
import dev.pretrain.activities.lineage.StepLineage;
import dev.pretrain.activities.lineage.WorkerLocation;
import dev.pretrain.activities.retry.StepRetryInterceptor;
import dev.pretrain.db.Database;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.cache.StepCacheRepository;
import dev.pretrain.db.runs.RunRepository;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.ops.client.TemporalService;
import dev.pretrain.ops.config.OpenLineageConfig;
import dev.pretrain.ops.config.PretrainConfig;
import dev.pretrain.ops.metrics.PipelineMetrics;
import dev.pretrain.ops.metrics.RunStatusGauges;
import dev.pretrain.workflows.run.PretrainingRunWorkflow;
import dev.pretrain.workflows.run.PretrainingRunWorkflowImpl;
import io.temporal.common.interceptors.WorkerInterceptor;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One worker process's registrations: the run workflow and every activity implementation, on the
 * pipeline's task queue. This is the only place that wires implementations to Temporal, for the
 * {@code worker} command, the in-process worker of {@code demo}, and tests alike. Several such
 * workers (processes or machines) on the same queue share a run's partitions.
 */
public final class PipelineWorker implements AutoCloseable {

  /**
   * Longest time the SDK holds back an activity's heartbeat. Its default (0.8 x the heartbeat timeout:
   * 24-48 s for our steps) leaves the details that {@code pretrain watch} shows that stale; every few
   * seconds is still a small load (one call per running activity).
   */
  static final Duration HEARTBEAT_THROTTLE = Duration.ofSeconds(3);

  /** A directory of failure drills (see FaultInjectionInterceptor); unset in normal operation. */
  public static final String FAULT_DIR_ENV = "PRETRAIN_FAULT_DIR";
  public static final String FAULT_DIR_PROPERTY = "pretrain.faultDir";

  private final String identity;
  private final Database database;
  private final BatchJobRunner batch;
  private final WorkerFactory factory;
  private final Path workDir;
  private final PipelineMetrics metrics;
  private final SovereigntyPolicy.Region region;
  private final LineageEmitter lineage;
  private boolean closed;

  private PipelineWorker(String identity, Database database, BatchJobRunner batch, WorkerFactory factory,
      Path workDir, PipelineMetrics metrics, SovereigntyPolicy.Region region, LineageEmitter lineage) {
    this.region = region;
    this.identity = identity;
    this.database = database;
    this.batch = batch;
    this.factory = factory;
    this.workDir = workDir;
    this.metrics = metrics;
    this.lineage = lineage;
  }

  /** {@code <pid>@<host>}, as Temporal shows it among the task queue's pollers. */
  public static String defaultIdentity() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      host = "localhost";
    }
    return "pretrain-worker-" + ProcessHandle.current().pid() + "@" + host;
  }

  /**
   * Connects to the configured database and object store, builds the batch job runner over a
   * scratch directory {@code <data>/work/<pid>}, registers everything and starts polling.
   *
   * @param maxActivities activities (partitions) this worker runs at once
   */
  public static PipelineWorker start(PretrainConfig config, TemporalService temporal, int maxActivities) {
    return start(config, temporal, maxActivities, null);
  }

  /**
   * As {@link #start(PretrainConfig, TemporalService, int)}, with every activity timed and counted in
   * {@code metrics} and runs by status read from this worker's database at each scrape. For the SDK's
   * own metrics, {@code temporal} must have been connected with {@link PipelineMetrics#temporalScope()}.
   * The caller serves and closes {@code metrics}.
   *
   * @param metrics null for none
   */
  public static PipelineWorker start(PretrainConfig config, TemporalService temporal, int maxActivities,
      PipelineMetrics metrics) {
    return start(config, temporal, maxActivities, metrics, ModelQueue.AUTO);
  }

  /** Which queue of model steps (train, evaluate, quantize) a worker serves. */
  public enum ModelQueue {
    /** the GPU queue when DJL sees a GPU here, else the CPU queue */
    AUTO,
    CPU,
    GPU,
    /** none: a worker for the batch steps only */
    NONE;

    /** The task queue this choice serves on this machine, or null for none. */
    public String taskQueue() {
      return switch (this) {
        case CPU -> PretrainingRunWorkflow.TRAIN_TASK_QUEUE;
        case GPU -> PretrainingRunWorkflow.GPU_TRAIN_TASK_QUEUE;
        case NONE -> null;
        case AUTO -> gpuPresent() ? PretrainingRunWorkflow.GPU_TRAIN_TASK_QUEUE : PretrainingRunWorkflow.TRAIN_TASK_QUEUE;
      };
    }

    /** Asks DJL only where an NVIDIA device exists: starting the engine costs a second or two. */
    static boolean gpuPresent() {
      if (!Files.exists(Path.of("/dev/nvidiactl"))) {
        return false;
      }
      try {
        return ai.djl.engine.Engine.getInstance().getGpuCount() > 0;
      } catch (RuntimeException | UnsatisfiedLinkError e) {
        return false;
      }
    }
  }

  /**
   * As {@link #start(PretrainConfig, TemporalService, int, PipelineMetrics)}, serving the model steps
   * on the queue {@code modelQueue} picks: a run sends them to the GPU queue whenever a worker polls it.
   */
  public static PipelineWorker start(PretrainConfig config, TemporalService temporal, int maxActivities,
      PipelineMetrics metrics, ModelQueue modelQueue) {
    return start(config, temporal, maxActivities, metrics, modelQueue, config.region(), config.policyFile());
  }

  /**
   * As {@link #start(PretrainConfig, TemporalService, int, PipelineMetrics, ModelQueue)}, for a worker
   * in {@code region} under the sovereignty policy in {@code policyFile} (docs/sovereignty.md). A
   * regional worker still polls the default queue, for workflow tasks and the bookkeeping activities
   * (ledger, routing: metadata only, so any region may serve them), but serves the data and model
   * steps only on its region's queues: data never reaches it through the default queue.
   *
   * @param region     null for a worker of no region (the default queues, as without a policy)
   * @param policyFile null for no policy: every run is unrestricted
   */
  public static PipelineWorker start(PretrainConfig config, TemporalService temporal, int maxActivities,
      PipelineMetrics metrics, ModelQueue modelQueue, String region, String policyFile) {
    SovereigntyPolicy policy = policyFile == null ? null : loadPolicy(policyFile);
    SovereigntyPolicy.Region home = null;
    if (region != null) {
      if (policy == null) {
        throw new WorkerStartException("--region " + region + " needs a sovereignty policy that configures it"
            + " (--policy FILE, config policy or PRETRAIN_POLICY; docs/sovereignty.md)");
      }
      home = policy.region(region);
      if (home == null) {
        throw new WorkerStartException("region " + region + " is not configured in the policy " + policyFile
            + "; its regions: " + policy.regionNames());
      }
    }
    String identity = defaultIdentity();
    Path workDir = config.dataDir().resolve("work").resolve(Long.toString(ProcessHandle.current().pid()));
    Database database = null;
    BatchJobRunner batch = null;
    LineageEmitter lineage = null;
    try {
      WorkDirs.deleteQuietly(workDir); // left by an earlier process with the same pid that was killed
      Files.createDirectories(workDir);
      database = config.openDatabase();
      ObjectStore store = config.objectStore();
      batch = new BatchJobRunner(database, store, workDir,
          IngestJobConfig.class, DedupJobConfig.class, TokenizerJobConfig.class, TokenizeJobConfig.class);
      PipelineServices services = new PipelineServices(database, store, batch, workDir);

      List<WorkerInterceptor> interceptors = interceptors(metrics);
      String faultDir = System.getenv().getOrDefault(FAULT_DIR_ENV, System.getProperty(FAULT_DIR_PROPERTY));
      if (faultDir != null && !faultDir.isBlank()) {
        // innermost: an injected fault stands for the step's own work failing
        interceptors.add(0, new FaultInjectionInterceptor(Path.of(faultDir)));
      }
      // outside the work: a cache hit answers before any layer below it runs
      interceptors.add(new StepCacheInterceptor(new StepCacheRepository(database.jdbc()),
          new RunRepository(database.jdbc()), store, home == null ? null : home.name()));
      // around all: the retry budget of a failure's class applies to whichever layer threw it
      interceptors.add(new StepRetryInterceptor());
      // outermost: lineage reports what Temporal is told, cache hits and classified failures included
      lineage = lineageEmitter(config.openLineage());
      interceptors.add(new OpenLineageInterceptor(new StepLineage(lineage, config.openLineage().namespace(),
          WorkerLocation.of(identity, home == null ? null : home.name()), ResidencyLookup.recorded(new ArtifactRepository(database.jdbc()), store),
          recipes(new RunRepository(database.jdbc())))));
      WorkerFactory factory = WorkerFactory.newInstance(temporal.client(identity), factoryOptions(interceptors));
      Worker worker = factory.newWorker(PretrainingRunWorkflow.TASK_QUEUE, WorkerOptions.newBuilder()
          .setMaxConcurrentActivityExecutionSize(Math.max(1, maxActivities))
          .setMaxHeartbeatThrottleInterval(HEARTBEAT_THROTTLE)
          .build());
      worker.registerWorkflowImplementationTypes(PretrainingRunWorkflowImpl.class);
      worker.registerActivitiesImplementations(
          new RunLedgerActivitiesImpl(services),
          new RoutingActivitiesImpl(services, policy));
      Worker dataWorker = home == null ? worker : factory.newWorker(home.dataQueue(), WorkerOptions.newBuilder()
          .setMaxConcurrentActivityExecutionSize(Math.max(1, maxActivities))
          .setMaxHeartbeatThrottleInterval(HEARTBEAT_THROTTLE)
          .build());
      dataWorker.registerActivitiesImplementations(
          new IngestActivitiesImpl(services),
          new DedupActivitiesImpl(services),
          new TokenizeActivitiesImpl(services));
      // Model steps on their own queue, one at a time per process: DJL's gradient collector is process-wide.
      // A regional worker serves its region's model queue (the policy says which: CPU or GPU workers).
      String modelTaskQueue = home == null || modelQueue == ModelQueue.NONE ? modelQueue.taskQueue() : home.modelQueue();
      if (modelTaskQueue != null) {
        Worker modelWorker = factory.newWorker(modelTaskQueue, WorkerOptions.newBuilder()
            .setMaxConcurrentActivityExecutionSize(1)
            .setMaxHeartbeatThrottleInterval(HEARTBEAT_THROTTLE)
            .build());
        modelWorker.registerActivitiesImplementations(
            new dev.pretrain.activities.train.TrainActivitiesImpl(services),
            new dev.pretrain.activities.evaluate.EvaluateActivitiesImpl(services),
            new dev.pretrain.activities.quantize.QuantizeActivitiesImpl(services),
            new dev.pretrain.activities.export.ExportActivitiesImpl(services));
      }
      factory.start();
      if (metrics != null) {
        metrics.countRuns(RunStatusGauges.fromDatabase(database.jdbc()));
      }
      return new PipelineWorker(identity, database, batch, factory, workDir, metrics, home, lineage);
    } catch (IOException | RuntimeException e) {
      if (lineage != null) {
        lineage.close();
      }
      if (batch != null) {
        batch.close();
      }
      if (database != null) {
        database.close();
      }
      throw new IllegalStateException("worker could not start: " + e.getMessage(), e);
    }
  }

  static LineageEmitter lineageEmitter(OpenLineageConfig config) {
    return new LineageEmitter(config.file(), config.url());
  }

  /** A run's recipe name, read once per run: it never changes. */
  static java.util.function.Function<String, String> recipes(RunRepository runs) {
    java.util.Map<String, String> known = java.util.Collections.synchronizedMap(
        new java.util.LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(java.util.Map.Entry<String, String> eldest) {
            return size() > 256;
          }
        });
    return runId -> {
      String recipe = known.get(runId);
      if (recipe == null) {
        recipe = runs.find(runId).map(RunRepository.Run::recipe).orElse(null);
        if (recipe != null) {
          known.put(runId, recipe);
        }
      }
      return recipe;
    };
  }

  /**
   * The interceptors of this process's workers, innermost first: Temporal wraps them in list order,
   * each around those before it. Metrics come first, so that they time and count the work an
   * activity did, not an answer that a layer added after them (a step cache) gives in its place.
   */
  public static List<WorkerInterceptor> interceptors(PipelineMetrics metrics) {
    List<WorkerInterceptor> list = new ArrayList<>();
    if (metrics != null) {
      list.add(metrics.activityInterceptor());
    }
    return list;
  }

  /** The worker factory's options with {@code interceptors} (see {@link #interceptors}), in that order. */
  public static WorkerFactoryOptions factoryOptions(List<WorkerInterceptor> interceptors) {
    return WorkerFactoryOptions.newBuilder()
        .setWorkerInterceptors(interceptors.toArray(new WorkerInterceptor[0]))
        .build();
  }

  /** The region this worker serves, with its queues and bucket; null for a worker of no region. */
  public SovereigntyPolicy.Region region() {
    return region;
  }

  private static SovereigntyPolicy loadPolicy(String file) {
    try {
      return SovereigntyPolicy.load(Path.of(file));
    } catch (SovereigntyPolicy.PolicyException e) {
      throw new WorkerStartException(e.getMessage());
    }
  }

  public String identity() {
    return identity;
  }

  public Path workDir() {
    return workDir;
  }

  /** Stops polling, lets running activities finish for a while, then releases the database and scratch space. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    factory.shutdown();
    factory.awaitTermination(30, TimeUnit.SECONDS);
    if (!factory.isTerminated()) {
      factory.shutdownNow();
    }
    if (metrics != null) {
      metrics.countRuns(null); // its database is closed next
    }
    lineage.close(); // after the activities: their last events are sent
    batch.close();
    database.close();
    WorkDirs.deleteQuietly(workDir);
  }
}
