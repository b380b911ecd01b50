package dev.pretrain.ops.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JDK's HTTP server answering {@code GET /metrics} for Prometheus. One thread: scrapes come every
 * few seconds from one or two Prometheus servers, and each scrape is cheap.
 */
public final class MetricsServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);

  /** What a scrape returns: the body and its content type, for the request's Accept header. */
  public record Exposition(String contentType, byte[] body) {}

  private final HttpServer server;
  private final ExecutorService executor;
  private final String host;
  private boolean closed;

  private MetricsServer(HttpServer server, ExecutorService executor, String host) {
    this.server = server;
    this.executor = executor;
    this.host = host;
  }

  /**
   * Binds {@code host:port} (port 0: any free port) and starts serving.
   *
   * @param scrape the exposition for an Accept header (null when the request had none)
   * @throws IllegalStateException when the address is taken or cannot be bound
   */
  public static MetricsServer start(String host, int port, Function<String, Exposition> scrape) {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(host, port), 16);
    } catch (BindException e) {
      throw new IllegalStateException("cannot serve metrics on " + host + ":" + port + ": " + e.getMessage()
          + " (another worker or exporter there?)", e);
    } catch (IOException e) {
      throw new IllegalStateException("cannot serve metrics on " + host + ":" + port + ": " + e, e);
    }
    server.createContext("/metrics", exchange -> {
      try (exchange) {
        if (!isGetOrHead(exchange)) {
          return;
        }
        Exposition e;
        try {
          e = scrape.apply(exchange.getRequestHeaders().getFirst("Accept"));
        } catch (RuntimeException ex) {
          log.warn("metrics scrape failed", ex);
          send(exchange, 500, "text/plain; charset=utf-8", ("scrape failed: " + ex + "\n").getBytes(StandardCharsets.UTF_8));
          return;
        }
        send(exchange, 200, e.contentType(), e.body());
      }
    });
    server.createContext("/", exchange -> {
      try (exchange) {
        if (!isGetOrHead(exchange)) {
          return;
        }
        boolean root = "/".equals(exchange.getRequestURI().getPath());
        send(exchange, root ? 200 : 404, "text/plain; charset=utf-8",
            (root ? "pretrain worker: Prometheus metrics at /metrics\n" : "not found; metrics are at /metrics\n")
                .getBytes(StandardCharsets.UTF_8));
      }
    });
    ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "pretrain-metrics-http");
      t.setDaemon(true); // never the reason a finished process stays alive
      return t;
    });
    server.setExecutor(executor);
    server.start();
    return new MetricsServer(server, executor, host);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** {@code http://host:port/metrics}, as Prometheus' scrape config wants it. */
  public String url() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return "http://" + h + ":" + port() + "/metrics";
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    server.stop(0);
    executor.shutdownNow();
  }

  private static boolean isGetOrHead(HttpExchange exchange) throws IOException {
    String m = exchange.getRequestMethod();
    if ("GET".equals(m) || "HEAD".equals(m)) {
      return true;
    }
    exchange.getResponseHeaders().set("Allow", "GET, HEAD");
    exchange.sendResponseHeaders(405, -1);
    return false;
  }

  private static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", contentType);
    if ("HEAD".equals(exchange.getRequestMethod())) {
      exchange.sendResponseHeaders(status, -1);
      return;
    }
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
