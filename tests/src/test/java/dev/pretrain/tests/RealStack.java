package dev.pretrain.tests;

import dev.pretrain.db.Database;
import dev.pretrain.ops.client.TemporalService;
import dev.pretrain.ops.config.ConfigLoader;
import dev.pretrain.ops.config.PretrainConfig;
import dev.pretrain.ops.stack.LocalStack;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The local stack as a user's run sees it: the Temporal CLI's dev server (a child process, with its
 * UI), S3Proxy over HTTP and an H2 TCP server, on ports of their own so a developer's
 * {@code ./pretrain up} can keep running beside the tests. No fallback to the SDK's test server:
 * these tests are about the real one.
 */
final class RealStack implements AutoCloseable {

  static final int TEMPORAL_PORT = 17233;
  static final int UI_PORT = 18233;
  static final int S3_PORT = 19000;
  static final int H2_PORT = 19092;

  final LocalStack stack;
  final PretrainConfig config;
  final TemporalService temporal;
  final Database database;

  private RealStack(LocalStack stack, PretrainConfig config, TemporalService temporal, Database database) {
    this.stack = stack;
    this.config = config;
    this.temporal = temporal;
    this.database = database;
  }

  /** Starts on a fresh server state; the corpus download cache under {@code dataDir} is kept between runs. */
  static RealStack start(Path dataDir) {
    for (String state : new String[] {"temporal", "s3", "h2", "work"}) {
      deleteTree(dataDir.resolve(state));
    }
    LocalStack stack = LocalStack.start(LocalStack.Options.defaults(dataDir)
        .withPorts(TEMPORAL_PORT, UI_PORT, S3_PORT, H2_PORT)
        .withTestServerFallback(false), System.err);
    if (stack.isTestServer()) {
      stack.close();
      throw new IllegalStateException("the Temporal CLI dev server did not start; these tests need the real server");
    }
    PretrainConfig base = ConfigLoader.load(Map.of(), Map.of(), dataDir, null);
    PretrainConfig config = stack.configFor(base);
    TemporalService temporal = TemporalService.connect(config.temporalAddress(), config.namespace());
    temporal.awaitReady(Duration.ofSeconds(60), () -> true);
    return new RealStack(stack, config, temporal, config.openDatabase());
  }

  private static void deleteTree(Path dir) {
    if (!java.nio.file.Files.exists(dir)) {
      return;
    }
    try (java.util.stream.Stream<Path> paths = java.nio.file.Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    database.close();
    temporal.close();
    stack.close();
  }
}
