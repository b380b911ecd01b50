package dev.pretrain.tests.faults;

import dev.pretrain.db.Database;
import dev.pretrain.ops.client.TemporalService;
import dev.pretrain.ops.config.ConfigLoader;
import dev.pretrain.ops.config.PretrainConfig;
import dev.pretrain.ops.stack.LocalStack;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.h2.tools.Server;

/**
 * The real local stack with each server under the suite's control, so that a fault can take one
 * down and bring it back on the same state: the Temporal CLI dev server through {@link LocalStack}
 * (SQLite file under the data directory; killed with SIGKILL by pid and started again on the same
 * file and ports), and S3Proxy and the H2 TCP server started here as {@link LocalStack} starts them,
 * so that they can be stopped and started again on the same directory and port.
 */
final class FaultStack implements AutoCloseable {

  static final int TEMPORAL_PORT = 62233;
  static final int UI_PORT = 62234;
  static final int S3_PORT = 62000;
  static final int H2_PORT = 62092;

  final Path dataDir;
  final PretrainConfig config;
  final TemporalService temporal;
  final Database database;
  private LocalStack temporalStack;
  private S3Proxy s3;
  private Server h2;

  private FaultStack(Path dataDir) {
    this.dataDir = dataDir;
    startH2();
    migrate();
    startS3();
    temporalStack = startTemporal();
    PretrainConfig base = ConfigLoader.load(Map.of(), Map.of(), dataDir, null);
    PretrainConfig t = temporalStack.configFor(base);
    this.config = new PretrainConfig(dataDir, t.temporalAddress(), t.namespace(), t.temporalUi(),
        "http://127.0.0.1:" + S3_PORT, ConfigLoader.DEFAULT_ACCESS_KEY, ConfigLoader.DEFAULT_SECRET_KEY,
        base.s3Region(), jdbcUrl(), "sa", "", base.bucket(), base.origins(), 0);
    this.temporal = TemporalService.connect(config.temporalAddress(), config.namespace());
    temporal.awaitReady(Duration.ofSeconds(60), () -> true);
    this.database = config.openDatabase();
  }

  /** Starts on fresh server state; downloads and tools under {@code dataDir} are kept. */
  static FaultStack start(Path dataDir) {
    for (String state : new String[] {"temporal", "s3", "h2", "work", "faults", "logs"}) {
      deleteTree(dataDir.resolve(state));
    }
    return new FaultStack(dataDir);
  }

  String jdbcUrl() {
    return Database.h2ServerUrl(H2_PORT, dataDir.resolve("h2"));
  }

  // ---------------------------------------------------------------- Temporal

  private LocalStack startTemporal() {
    LocalStack s = LocalStack.start(LocalStack.Options.defaults(dataDir)
        .withPorts(TEMPORAL_PORT, UI_PORT, S3_PORT, H2_PORT)
        .withTestServerFallback(false)
        .only(true, false, false), System.err);
    if (s.isTestServer() || s.temporalPid().isEmpty()) {
      s.close();
      throw new IllegalStateException("the Temporal CLI dev server did not start; this suite needs the real server");
    }
    return s;
  }

  long temporalPid() {
    return temporalStack.temporalPid().orElseThrow();
  }

  /** SIGKILL to the {@code temporal} process: no chance to flush or shut down cleanly. */
  synchronized void killTemporal() {
    ProcessHandle h = ProcessHandle.of(temporalPid()).orElseThrow();
    h.destroyForcibly();
    h.onExit().join();
    temporalStack.close(); // nothing left to stop; removes stack.json
  }

  /** The dev server again, on the same SQLite file and ports. */
  synchronized void restartTemporal() {
    temporalStack = startTemporal();
  }

  // ---------------------------------------------------------------- S3

  synchronized void startS3() {
    try {
      Path dir = Files.createDirectories(dataDir.resolve("s3"));
      S3Proxy proxy = S3Proxy.builder()
          .blobStore(new FilesystemNio2BlobStore(dir.toString()))
          .endpoint(URI.create("http://127.0.0.1:" + S3_PORT))
          .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ConfigLoader.DEFAULT_ACCESS_KEY,
              ConfigLoader.DEFAULT_SECRET_KEY)
          .build();
      proxy.start();
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (!LocalStack.portOpen("127.0.0.1", S3_PORT)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("S3Proxy did not open port " + S3_PORT);
        }
        Thread.sleep(50);
      }
      s3 = proxy;
    } catch (Exception e) {
      throw new IllegalStateException("cannot start S3Proxy: " + e, e);
    }
  }

  synchronized void stopS3() {
    if (s3 != null) {
      try {
        s3.stop();
      } catch (Exception e) {
        throw new IllegalStateException("cannot stop S3Proxy: " + e, e);
      }
      s3 = null;
    }
  }

  // ---------------------------------------------------------------- H2

  synchronized void startH2() {
    try {
      Path dir = Files.createDirectories(dataDir.resolve("h2"));
      h2 = Server.createTcpServer("-tcpPort", Integer.toString(H2_PORT), "-baseDir", dir.toString(),
          "-ifNotExists").start();
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the H2 server: " + e, e);
    }
  }

  /** Stops the TCP server: every connection of every process is cut and the database file closed. */
  synchronized void stopH2() {
    if (h2 != null) {
      h2.stop();
      h2 = null;
    }
  }

  private void migrate() {
    try (Database db = Database.open(jdbcUrl(), "sa", "")) {
      db.jdbc().queryForObject("SELECT 1", Integer.class);
    }
  }

  // ---------------------------------------------------------------- shutdown

  @Override
  public synchronized void close() {
    for (AutoCloseable c : new AutoCloseable[] {database, temporal, temporalStack, this::stopS3, this::stopH2}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        System.err.println("fault suite: error while stopping the stack: " + e);
      }
    }
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
