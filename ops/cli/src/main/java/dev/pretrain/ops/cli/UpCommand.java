package dev.pretrain.ops.cli;

import dev.pretrain.ops.config.PretrainConfig;
import dev.pretrain.ops.stack.LocalStack;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;

@Command(name = "up", mixinStandardHelpOptions = true,
    description = {"Start the local stack in the foreground: Temporal dev server + Web UI, S3Proxy, H2.",
        "All state lives under the data directory. Ctrl-C (or SIGTERM) stops everything."})
public final class UpCommand extends BaseCommand {

  @Override
  public Integer call() throws Exception {
    PretrainConfig cfg = config();
    LocalStack.Options options = LocalStack.Options.fromConfig(cfg);
    err().println("Starting the local stack (data in " + cfg.dataDir() + ") ...");
    LocalStack stack = LocalStack.start(options, err());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.err.println("Stopping the stack ...");
      stack.close();
      System.err.println("Stopped.");
      stopped.countDown();
    }, "pretrain-up-shutdown"));
    // If the Temporal child dies on its own, the stack is broken: say so and stop the rest.
    stack.temporalExit().ifPresent(f -> f.thenRun(() -> {
      // Ctrl-C reaches the whole process group: the child may exit just before our hook starts.
      try {
        Thread.sleep(2000);
      } catch (InterruptedException e) {
        return;
      }
      if (!stack.isClosed()) {
        System.err.println("pretrain: the Temporal server exited unexpectedly; see "
            + cfg.dataDir().resolve("logs/temporal.log"));
        System.exit(1);
      }
    }));

    Map<String, Object> d = stack.describe();
    StringBuilder t = new StringBuilder();
    t.append("Pretrain stack is up (data in ").append(cfg.dataDir()).append(")\n");
    t.append("  Temporal UI    ").append(stack.uiUrl().orElse("(none: SDK test server)")).append('\n');
    t.append("  Temporal gRPC  ").append(stack.temporalAddress()).append("  namespace default");
    stack.temporalBinary().ifPresent(b -> t.append("  (").append(b.version()).append(", pid ")
        .append(stack.temporalPid().orElse(-1L)).append(")"));
    t.append('\n');
    t.append("  S3 (S3Proxy)   ").append(stack.s3Endpoint()).append("  access key ").append(options.accessKey())
        .append('\n');
    t.append("  H2 (TCP)       ").append(stack.jdbcUrl()).append("  user ").append(options.jdbcUser()).append('\n');
    t.append("  Stack file     ").append(LocalStack.stackFile(cfg.dataDir())).append('\n');
    if (stack.temporalPid().isPresent()) {
      t.append("  Temporal log   ").append(cfg.dataDir().resolve("logs/temporal.log")).append('\n');
    }
    t.append("Next: ./pretrain worker (another terminal), then ./pretrain run RECIPE.yaml  --  or ./pretrain demo\n");
    t.append("Ctrl-C stops everything.");
    emit(t.toString(), d);
    stopped.await();
    return 0;
  }
}
