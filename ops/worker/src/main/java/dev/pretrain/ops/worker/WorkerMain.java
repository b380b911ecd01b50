package dev.pretrain.ops.worker;

import dev.pretrain.ops.config.ConfigLoader;
import dev.pretrain.ops.config.ConfigLoader.ConfigException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Main class of {@code pretrain-worker.jar}: the {@code pretrain worker} command alone, for machines that
 * only run workers against a real cluster (the jar has no local stack and no corpus fetcher). Configuration
 * comes from the environment and the config file, as for {@code pretrain}.
 */
@Command(name = "pretrain-worker", mixinStandardHelpOptions = true, version = "pretrain-worker 0.1.0",
    description = {"Run a pipeline worker: polls the pipeline's task queue for workflow and activity tasks.",
        "Configured by PRETRAIN_* environment variables and <data-dir>/config.yaml (see docs/deploy.md).",
        "Runs until killed (Ctrl-C / SIGTERM finish the running activities for up to 30 s)."})
public final class WorkerMain implements Callable<Integer> {

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Work dirs and config.yaml (env PRETRAIN_HOME; default ./.pretrain).")
  String dataDir;

  @Option(names = "--config", paramLabel = "FILE", description = "Config file (default <data-dir>/config.yaml if present).")
  Path configFile;

  @Mixin
  WorkerOptions options = new WorkerOptions();

  @Override
  public Integer call() throws Exception {
    Map<String, String> env = System.getenv();
    var cfg = ConfigLoader.load(Map.of(), env, ConfigLoader.dataDir(dataDir, env),
        configFile == null ? null : configFile.toAbsolutePath());
    WorkerProcess p = WorkerProcess.start(cfg, options);
    System.out.println(p.banner());
    System.out.flush();
    p.awaitStop();
    return 0;
  }

  public static void main(String[] args) {
    CommandLine cl = new CommandLine(new WorkerMain());
    cl.setCaseInsensitiveEnumValuesAllowed(true); // --model-queue gpu
    cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      System.err.println("pretrain-worker: " + (e instanceof WorkerStartException || e instanceof ConfigException
          ? e.getMessage() : e.toString()));
      if (!(e instanceof WorkerStartException || e instanceof ConfigException)) {
        e.printStackTrace(System.err);
      }
      return e instanceof ConfigException ? 2 : 1;
    });
    // Non-daemon threads of gRPC and the metrics server must not keep a failed start alive.
    System.exit(cl.execute(args));
  }
}
