package dev.pretrain.ops.cli;

import dev.pretrain.db.Database;
import dev.pretrain.ops.client.TemporalService;
import dev.pretrain.ops.config.PretrainConfig;
import dev.pretrain.ops.corpus.FetchResult;
import dev.pretrain.ops.metrics.MetricsServer;
import dev.pretrain.ops.metrics.PipelineMetrics;
import dev.pretrain.ops.recipe.Recipe;
import dev.pretrain.ops.stack.LocalStack;
import dev.pretrain.ops.worker.PipelineWorker;
import dev.pretrain.workflows.run.PretrainingRunWorkflow;
import dev.pretrain.workflows.run.RunRequest;
import io.temporal.api.enums.v1.TaskQueueType;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"The whole pipeline in one command: starts the local stack and a worker in this process",
        "if they are not running, fetches a small real corpus, runs ingest -> dedup -> tokenize on it,",
        "prints the summary, and stops what it started."})
public final class DemoCommand extends BaseCommand {

  @Option(names = "--quick", description = "Use the small 'quick' corpus (seconds) instead of 'demo'.")
  boolean quick;

  @Option(names = "--no-cache", paramLabel = "STEP", split = ",",
      description = "Compute STEP even if the step cache holds its result from an earlier demo ('all' for every step).")
  java.util.List<String> noCache = new java.util.ArrayList<>();

  @Option(names = "--encoding", paramLabel = "ENCODING",
      description = "bpe (default): train a vocabulary on the corpus and a model sized for it; r50k_base: GPT-2's.")
  String encoding = RunRequest.TokenizeParams.BPE;

  @Option(names = "--keep-up", description = "Keep the stack and worker it started running after the run, until Ctrl-C.")
  boolean keepUp;

  private LocalStack stack;
  private PipelineWorker worker;
  private PipelineMetrics workerMetrics;
  private TemporalService workerTemporal;

  @Override
  public Integer call() throws Exception {
    Thread hook = new Thread(this::stopStarted, "pretrain-demo-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      PretrainConfig cfg = ensureStack(config());
      try (TemporalService temporal = connectTemporal(Duration.ofSeconds(30))) {
        try {
          return demo(cfg, temporal);
        } finally {
          stopWorker(); // before the Temporal connection it polls on is closed
        }
      }
    } finally {
      stopStarted();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException ignored) {
        // already shutting down: the hook runs stopStarted, which is idempotent
      }
    }
  }

  private int demo(PretrainConfig cfg, TemporalService temporal) throws InterruptedException {
    ensureWorker(cfg, temporal);
    String spec = quick ? "quick" : "demo";
    FetchResult corpus;
    try (Database db = openDatabase(cfg)) {
      err().println("Fetching the '" + spec + "' corpus (cached after the first time) ...");
      corpus = CorpusCommand.fetch(cfg, db, spec, spec, err());
    }
    // The quick corpus has ~150 documents: hold out a fifth of them so validation loss means something.
    double valFraction = quick ? 0.2 : 0.01;
    boolean own = RunRequest.TokenizeParams.BPE.equals(encoding);
    if (!own && !RunRequest.TokenizeParams.R50K_BASE.equals(encoding)) {
      throw new UserError("--encoding is bpe or r50k_base, not '" + encoding + "'");
    }
    // a vocabulary trained on the corpus (4,096 ids for the ~6 MB quick corpus) and a model sized for it
    int vocab = quick ? 4096 : RunRequest.TokenizeParams.DEFAULT_VOCAB;
    RunRequest.TokenizeParams tokenize = own
        ? new RunRequest.TokenizeParams(encoding, valFraction, List.of(), vocab,
            RunRequest.TokenizeParams.DEFAULT_SAMPLE_BYTES, 0, RunRequest.TokenizeParams.DEFAULT_SEED)
        : new RunRequest.TokenizeParams(encoding, valFraction, List.of());
    dev.pretrain.workflows.train.TrainParams train = quick ? dev.pretrain.workflows.train.TrainParams.quick()
        : dev.pretrain.workflows.train.TrainParams.defaults();
    Recipe recipe = new Recipe("demo-" + spec, List.of(corpus.inputUri()), cfg.bucket(),
        RunRequest.IngestParams.defaults(), tokenize);
    RunRequest request = recipe.toRequest(Recipe.newRunId(recipe.name(), Instant.now()))
        .withTrain(own ? train.forOwnVocabulary(vocab) : train)
        .withNoCache(RunCommand.noCacheSteps(noCache))
        // of the two kernel documentation versions the newer stays; of the two KJV editions, the SWORD one
        .withDedup(dev.pretrain.workflows.dedup.DedupParams.defaults().withKeep(List.of("linux-doc-6.12", "kjv")));
    int code = RunCommand.startAndFollow(this, cfg, temporal, request, false);
    if (stack != null && !stack.isTestServer() && !keepUp) {
      err().println("The run's history stays in " + cfg.dataDir() + ": ./pretrain up, then open "
          + cfg.workflowUrl(PretrainingRunWorkflow.workflowId(request.runId())));
    }
    if (keepUp && (stack != null || worker != null)) {
      err().println("Still running (--keep-up): " + (stack == null ? "the worker" : "the stack and worker")
          + (stack != null && stack.uiUrl().isPresent() ? ", UI " + stack.uiUrl().get() : "") + ". Ctrl-C stops it.");
      new CountDownLatch(1).await();
    }
    return code;
  }

  /** Starts, in this JVM, the parts of the local stack that are configured locally and not answering. */
  private PretrainConfig ensureStack(PretrainConfig cfg) {
    List<String> missing = new ArrayList<>();
    boolean temporalUp = probe("tcp://" + cfg.temporalAddress(), "Temporal", missing);
    boolean s3Up = probe(cfg.s3Endpoint(), "S3", missing);
    boolean h2Up = LocalStack.h2Port(cfg.jdbcUrl()).map(p -> LocalStack.portOpen("127.0.0.1", p)).orElse(true);
    if (!h2Up) {
      missing.add("H2");
    }
    if (missing.isEmpty()) {
      err().println("Using the running stack (Temporal " + cfg.temporalAddress() + ", S3 " + cfg.s3Endpoint() + ")");
      return cfg;
    }
    err().println("Starting " + String.join(", ", missing) + " in this process (data in " + cfg.dataDir() + ") ...");
    stack = LocalStack.start(LocalStack.Options.fromConfig(cfg).only(!temporalUp, !s3Up, !h2Up), err());
    return stack.configFor(cfg);
  }

  /** True if the service answers; a local address that does not is added to {@code missing}; a remote one is an error. */
  private static boolean probe(String url, String what, List<String> missing) {
    URI u = URI.create(url);
    int port = u.getPort() > 0 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80;
    if (LocalStack.portOpen(u.getHost(), port)) {
      return true;
    }
    Optional<Integer> local = LocalStack.loopbackPort(url);
    if (local.isEmpty()) {
      throw new UserError(what + " at " + u.getHost() + ":" + port + " does not answer, and it is not local,"
          + " so demo will not start one there");
    }
    missing.add(what);
    return false;
  }

  /**
   * Always a worker of its own: the server lists a stopped worker among the pollers for a minute or
   * more, so "a worker is polling" cannot be told from "one was"; workers already running share the
   * run's partitions with this one.
   */
  private void ensureWorker(PretrainConfig cfg, TemporalService temporal) {
    try {
      List<String> pollers =
          temporal.recentPollers(PretrainingRunWorkflow.TASK_QUEUE, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY, 90);
      if (!pollers.isEmpty()) {
        err().println("Workers seen recently on the queue (they share the work if still running): "
            + String.join(", ", pollers));
      }
    } catch (RuntimeException e) {
      // the SDK test server does not implement it
    }
    // config(), not cfg: the stack's config carries its own addresses only, not the metrics port.
    int port = config().metricsPort();
    MetricsServer server = null;
    if (port > 0) {
      workerMetrics = PipelineMetrics.create();
      try {
        server = workerMetrics.serve("127.0.0.1", port);
        // the SDK's metrics come from the stubs the worker polls on: a connection of its own
        workerTemporal = TemporalService.connect(temporal.address(), temporal.namespace(), workerMetrics.temporalScope());
      } catch (IllegalStateException e) {
        err().println("Worker metrics not served: " + e.getMessage() + " (PRETRAIN_METRICS_PORT=0 turns them off)");
        workerMetrics.close();
        workerMetrics = null;
      }
    }
    try {
      worker = PipelineWorker.start(cfg, workerTemporal != null ? workerTemporal : temporal,
          Runtime.getRuntime().availableProcessors(), workerMetrics);
    } catch (RuntimeException e) {
      stopWorker();
      throw e;
    }
    err().println("Started an in-process worker " + worker.identity()
        + (server == null ? "" : ", metrics at " + server.url()));
  }

  private Database openDatabase(PretrainConfig cfg) {
    try {
      return cfg.openDatabase();
    } catch (RuntimeException e) {
      throw new UserError("cannot open the database " + cfg.jdbcUrl() + ": " + rootMessage(e));
    }
  }

  private synchronized void stopWorker() {
    if (worker != null) {
      err().println("Stopping the in-process worker ...");
      worker.close();
      worker = null;
    }
    if (workerTemporal != null) {
      workerTemporal.close();
      workerTemporal = null;
    }
    if (workerMetrics != null) {
      workerMetrics.close();
      workerMetrics = null;
    }
  }

  private synchronized void stopStarted() {
    stopWorker();
    if (stack != null) {
      err().println("Stopping the stack this demo started ...");
      stack.close();
      stack = null;
    }
  }
}
