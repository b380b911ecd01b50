package dev.pretrain.ops.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pretrain.db.Database;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.ops.client.TemporalService;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local stack on free ports in a temporary data directory: every server answers, and stops cleanly. */
class LocalStackTest {

  @TempDir
  Path data;

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private LocalStack.Options options() throws IOException {
    return LocalStack.Options.defaults(data).withPorts(freePort(), freePort(), freePort(), freePort());
  }

  @Test
  void s3ProxyAndH2ServeTheirProtocols() throws Exception {
    LocalStack.Options o = options().only(false, true, true);
    try (LocalStack stack = LocalStack.start(o, new PrintStream(System.err))) {
      ObjectStore store = new ObjectStore(stack.s3Endpoint(), o.accessKey(), o.secretKey(), "us-east-1");
      store.ensureBucket("test-bucket");
      Path f = Files.writeString(data.resolve("x.txt"), "hello lineage");
      ObjectStore.Stored put = store.putFile("test-bucket", "a/x.txt", f, "text/plain");
      Optional<ObjectStore.Stored> stat = store.stat("test-bucket", "a/x.txt");
      assertTrue(stat.isPresent());
      assertEquals(put.sha256(), stat.get().sha256(), "sha256 travels in user metadata");
      try (InputStream in = store.open("test-bucket", "a/x.txt")) {
        assertEquals("hello lineage", new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
      assertTrue(store.stat("test-bucket", "missing").isEmpty());

      try (Database db = Database.open(stack.jdbcUrl(), o.jdbcUser(), o.jdbcPassword())) {
        assertEquals(0, db.jdbc().queryForObject("SELECT COUNT(*) FROM runs", Integer.class));
      }
      assertTrue(Files.isRegularFile(LocalStack.stackFile(data)));
    }
    assertFalse(Files.exists(LocalStack.stackFile(data)), "stack.json is removed on stop");
    assertFalse(LocalStack.portOpen("127.0.0.1", o.s3Port()));
    assertFalse(LocalStack.portOpen("127.0.0.1", o.h2Port()));
  }

  @Test
  void realTemporalDevServerWithUiStartsRestartsAndStops() throws Exception {
    Optional<Path> bin = TemporalBinary.find(data).or(LocalStackTest::repoVenvBinary);
    assertTrue(bin.isPresent(), "missing: the Temporal CLI `temporal` (PATH or .pretrain/tools/venv/bin; tests/run"
        + " installs it)");
    // Use it from our data dir, as `up` would after installing it there.
    Path venvBin = Files.createDirectories(TemporalBinary.venv(data).resolve("bin"));
    if (!Files.exists(venvBin.resolve("temporal"))) {
      Files.createSymbolicLink(venvBin.resolve("temporal"), bin.get().toAbsolutePath());
    }
    LocalStack.Options o = options().only(true, false, false).withTestServerFallback(false);
    long pid;
    try (LocalStack stack = LocalStack.start(o, new PrintStream(System.err))) {
      assertFalse(stack.isTestServer());
      pid = stack.temporalPid().orElseThrow();
      assertEquals(200, httpStatus(stack.uiUrl().orElseThrow() + "/namespaces/default/workflows"));
      try (TemporalService t = TemporalService.connect(stack.temporalAddress(), "default")) {
        assertTrue(t.reachable());
        assertEquals(List.of(), t.ensureSearchAttributes(), "registered at start");
        assertEquals(TemporalService.RETENTION_DAYS * 86400,
            t.describeNamespace(5).getConfig().getWorkflowExecutionRetentionTtl().getSeconds());
      }
    }
    assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "no orphan temporal process");
    assertFalse(LocalStack.portOpen("127.0.0.1", o.temporalPort()));

    // Again on the existing SQLite file: attributes and retention persisted.
    try (LocalStack stack = LocalStack.start(o, new PrintStream(System.err));
        TemporalService t = TemporalService.connect(stack.temporalAddress(), "default")) {
      assertEquals(List.of(), t.ensureSearchAttributes());
      assertFalse(t.ensureRetentionDays(TemporalService.RETENTION_DAYS));
    }
  }

  private static Optional<Path> repoVenvBinary() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path p = dir.resolve(".pretrain/tools/venv/bin/temporal");
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  private static int httpStatus(String url) throws IOException {
    HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
    c.setConnectTimeout(5000);
    c.setReadTimeout(10000);
    try {
      return c.getResponseCode();
    } finally {
      c.disconnect();
    }
  }
}
