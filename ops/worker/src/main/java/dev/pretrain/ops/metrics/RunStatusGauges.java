package dev.pretrain.ops.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * {@code pretrain_runs{status=...}}: runs in our database by status, counted when Prometheus scrapes,
 * so that parked runs (waiting for an operator) show on a dashboard and can page someone. The known
 * statuses are always present (0 when none), so an alert on {@code pretrain_runs{status="parked"} > 0}
 * has a series to look at. A slow or unreachable database does not hold up the scrape: the query gets
 * {@link #QUERY_BUDGET_MILLIS} and the previous values are served meanwhile.
 */
public final class RunStatusGauges implements AutoCloseable {

  /** Statuses a run goes through (db module's runs.status values). */
  public static final List<String> KNOWN_STATUSES = List.of("running", "parked", "completed", "failed", "abandoned");

  static final long QUERY_BUDGET_MILLIS = 2000;

  private static final Logger log = LoggerFactory.getLogger(RunStatusGauges.class);

  /** Counts runs by status; throws when the database cannot answer. */
  @FunctionalInterface
  public interface Source {
    Map<String, Long> countByStatus() throws Exception;
  }

  private final MeterRegistry registry;
  private final Source source;
  private final Map<String, AtomicLong> values = new ConcurrentHashMap<>();
  private final Counter failures;
  private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "pretrain-metrics-runs");
    t.setDaemon(true);
    return t;
  });
  private Future<Map<String, Long>> inFlight;

  public RunStatusGauges(MeterRegistry registry, Source source) {
    this.registry = registry;
    this.source = source;
    this.failures = Counter.builder("pretrain.runs.query.failures")
        .description("Scrapes at which the runs-by-status query failed or took too long (stale pretrain_runs)")
        .register(registry);
    KNOWN_STATUSES.forEach(this::gauge);
  }

  /** The source of the metadata database: one GROUP BY over {@code runs}. */
  public static Source fromDatabase(JdbcTemplate jdbc) {
    return () -> {
      Map<String, Long> m = new LinkedHashMap<>();
      jdbc.query("SELECT status, COUNT(*) FROM runs GROUP BY status",
          rs -> {
            m.put(rs.getString(1), rs.getLong(2));
          });
      return m;
    };
  }

  /** Re-reads the counts (waiting up to the budget); on failure the gauges keep their last values. */
  public synchronized void refresh() {
    if (inFlight == null || inFlight.isDone()) {
      inFlight = executor.submit(source::countByStatus);
    }
    Map<String, Long> counts;
    try {
      counts = inFlight.get(QUERY_BUDGET_MILLIS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      failures.increment();
      log.warn("runs-by-status query took over {} ms; serving the previous pretrain_runs values", QUERY_BUDGET_MILLIS);
      return; // the query goes on; the next scrape takes its result if it has finished
    } catch (ExecutionException e) {
      failures.increment();
      log.warn("runs-by-status query failed: {}", e.getCause().toString());
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    for (Map.Entry<String, AtomicLong> e : values.entrySet()) {
      if (!counts.containsKey(e.getKey())) {
        e.getValue().set(0);
      }
    }
    counts.forEach((status, n) -> gauge(status).set(n));
  }

  private AtomicLong gauge(String status) {
    return values.computeIfAbsent(status, s -> {
      AtomicLong v = new AtomicLong();
      Gauge.builder("pretrain.runs", v, AtomicLong::get)
          .description("Runs in the metadata database by status, read at scrape time")
          .tag("status", s)
          .register(registry);
      return v;
    });
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
