package dev.pretrain.activities.lineage;

import io.openlineage.client.OpenLineage;
import io.openlineage.client.OpenLineageClient;
import io.openlineage.client.transports.FileConfig;
import io.openlineage.client.transports.FileTransport;
import io.openlineage.client.transports.HttpConfig;
import io.openlineage.client.transports.HttpTransport;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends run events through the OpenLineage client: to a JSON-lines file (one event a line, appended)
 * and, when configured, to an HTTP endpoint that takes {@code POST /api/v1/lineage} (Marquez and
 * others). Emission never fails or stalls a step: the file is written in the caller's thread (a local
 * append), the HTTP endpoint is posted to from one background thread with a bounded queue, and a
 * failure of either is logged, at most once a minute per destination.
 */
public final class LineageEmitter implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(LineageEmitter.class);

  /** The path Marquez and the spec's HTTP API take events on. */
  public static final String LINEAGE_ENDPOINT = "/api/v1/lineage";
  static final Duration WARNING_INTERVAL = Duration.ofMinutes(1);
  private static final int HTTP_TIMEOUT_MILLIS = 5_000;
  private static final int HTTP_QUEUE = 1_000;

  private final OpenLineageClient fileClient;
  private final OpenLineageClient httpClient;
  private final ExecutorService httpSender;
  private final RateLimitedWarning fileWarning = new RateLimitedWarning("file");
  private final RateLimitedWarning httpWarning = new RateLimitedWarning("HTTP");
  private final Path file;
  private final URI url;

  /**
   * @param file the JSON-lines file, or null for none
   * @param url  the HTTP endpoint: a base URL ({@code http://marquez:5000}, events go to
   *             {@value #LINEAGE_ENDPOINT}) or one with its own path; null for none
   */
  public LineageEmitter(Path file, URI url) {
    this.file = file;
    this.url = url;
    this.fileClient = file == null ? null
        : new OpenLineageClient(new FileTransport(new FileConfig(file.toAbsolutePath().toString())));
    if (url == null) {
      this.httpClient = null;
      this.httpSender = null;
    } else {
      this.httpClient = new OpenLineageClient(new HttpTransport(httpConfig(url)));
      this.httpSender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(HTTP_QUEUE),
          r -> {
            Thread t = new Thread(r, "openlineage-http");
            t.setDaemon(true);
            return t;
          });
    }
  }

  static HttpConfig httpConfig(URI url) {
    HttpConfig config = new HttpConfig();
    String path = url.getRawPath();
    boolean bare = path == null || path.isEmpty() || path.equals("/");
    config.setUrl(URI.create(url.getScheme() + "://" + url.getRawAuthority()));
    config.setEndpoint(bare ? LINEAGE_ENDPOINT : path);
    config.setTimeoutInMillis(HTTP_TIMEOUT_MILLIS);
    return config;
  }

  public Path file() {
    return file;
  }

  public URI url() {
    return url;
  }

  /** Writes the event to the file and queues it for the HTTP endpoint; never throws. */
  public void emit(OpenLineage.RunEvent event) {
    if (fileClient != null) {
      try {
        // one line per event: concurrent activities of this worker must not interleave their appends
        synchronized (fileClient) {
          fileClient.emit(event);
        }
      } catch (RuntimeException | LinkageError e) {
        fileWarning.warn(file.toString(), e);
      }
    }
    if (httpClient != null) {
      try {
        httpSender.execute(() -> {
          try {
            httpClient.emit(event);
          } catch (RuntimeException | LinkageError e) {
            httpWarning.warn(url.toString(), e);
          }
        });
      } catch (RejectedExecutionException e) {
        httpWarning.warn(url.toString(), new IllegalStateException(
            "endpoint too slow: " + HTTP_QUEUE + " events waiting; this one is dropped (the file has it)"));
      }
    }
  }

  /** Sends what is queued for the HTTP endpoint (for a few seconds at most), then releases both clients. */
  @Override
  public void close() {
    if (httpSender != null) {
      httpSender.shutdown();
      try {
        if (!httpSender.awaitTermination(HTTP_TIMEOUT_MILLIS + 1_000L, TimeUnit.MILLISECONDS)) {
          httpSender.shutdownNow();
        }
      } catch (InterruptedException e) {
        httpSender.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    closeQuietly(httpClient);
    closeQuietly(fileClient);
  }

  private static void closeQuietly(OpenLineageClient client) {
    if (client != null) {
      try {
        client.close();
      } catch (Exception e) {
        log.debug("closing an OpenLineage client: {}", e.toString());
      }
    }
  }

  /** A warning per destination at most once per {@link #WARNING_INTERVAL}, counting what it held back. */
  static final class RateLimitedWarning {
    private final String destination;
    private final AtomicLong nextAt = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong suppressed = new AtomicLong();

    RateLimitedWarning(String destination) {
      this.destination = destination;
    }

    /** @return whether it logged */
    boolean warn(String where, Throwable e) {
      long now = System.nanoTime();
      long next = nextAt.get();
      if ((next != Long.MIN_VALUE && now - next < 0) || !nextAt.compareAndSet(next, now + WARNING_INTERVAL.toNanos())) {
        suppressed.incrementAndGet();
        return false;
      }
      long held = suppressed.getAndSet(0);
      log.warn("OpenLineage {} transport to {} failed: {}{}; steps go on, the next warning comes in a minute at the"
          + " earliest", destination, where, messageOf(e), held == 0 ? "" : " (" + held + " more failures since the last warning)");
      return true;
    }
  }

  private static String messageOf(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return root == e ? message : message + " (" + root + ")";
  }
}
