package dev.pretrain.ops.metrics;

import dev.pretrain.activities.ActivityInterceptor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.activity.ActivityInfo;
import io.temporal.client.ActivityCanceledException;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Times and counts every activity execution of a worker, whatever the activity: duration by type and
 * outcome, retries (attempt &gt; 1), failures by failure type, and documents and tokens per second
 * read from the result (see {@link ResultFigures}). Activity implementations know nothing of it.
 *
 * <p>Meters (Prometheus names): {@code pretrain_activity_seconds{activity_type,outcome}} (histogram),
 * {@code pretrain_activity_retries_total{activity_type}},
 * {@code pretrain_activity_failures_total{activity_type,failure_type}},
 * {@code pretrain_activity_documents_total}, {@code pretrain_activity_documents_kept_total},
 * {@code pretrain_activity_tokens_total} and the summaries
 * {@code pretrain_activity_documents_per_second}, {@code pretrain_activity_tokens_per_second}
 * (each {@code {activity_type}}).
 */
public final class ActivityMetricsInterceptor extends ActivityInterceptor {

  public static final String OUTCOME_COMPLETED = "completed";
  public static final String OUTCOME_FAILED = "failed";
  public static final String OUTCOME_CANCELLED = "cancelled";

  // Activities run from under a second (planning) to hours (training): buckets that span both.
  private static final Duration[] SECONDS_BUCKETS = {
      Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(5),
      Duration.ofSeconds(15), Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(5),
      Duration.ofMinutes(15), Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofHours(2),
      Duration.ofHours(6), Duration.ofHours(24)};

  private final MeterRegistry registry;

  public ActivityMetricsInterceptor(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  protected ActivityInboundCallsInterceptor.ActivityOutput execute(ActivityExecutionContext context,
      ActivityInboundCallsInterceptor.ActivityInput input,
      Supplier<ActivityInboundCallsInterceptor.ActivityOutput> proceed) {
    ActivityInfo info = context == null ? null : context.getInfo();
    String type = info == null ? "unknown" : info.getActivityType();
    if (info != null && info.getAttempt() > 1) {
      Counter.builder("pretrain.activity.retries")
          .description("Activity executions that were a retry (attempt > 1)")
          .tag("activity_type", type).register(registry).increment();
    }
    long start = System.nanoTime();
    ActivityInboundCallsInterceptor.ActivityOutput output;
    try {
      output = proceed.get();
    } catch (RuntimeException | Error e) {
      long nanos = System.nanoTime() - start;
      String outcome = e instanceof ActivityCanceledException ? OUTCOME_CANCELLED : OUTCOME_FAILED;
      timer(type, outcome).record(nanos, TimeUnit.NANOSECONDS);
      Counter.builder("pretrain.activity.failures")
          .description("Activity executions that ended with an exception, by failure type")
          .tag("activity_type", type).tag("failure_type", failureType(e))
          .register(registry).increment();
      throw e;
    }
    long nanos = System.nanoTime() - start;
    timer(type, OUTCOME_COMPLETED).record(nanos, TimeUnit.NANOSECONDS);
    try {
      throughput(type, output == null ? null : output.getResult(), nanos / 1e9);
    } catch (RuntimeException e) {
      // metrics must never fail an activity that succeeded
    }
    return output;
  }

  private Timer timer(String type, String outcome) {
    return Timer.builder("pretrain.activity")
        .description("Wall time of activity executions (one per attempt), by type and outcome")
        .tag("activity_type", type).tag("outcome", outcome)
        .serviceLevelObjectives(SECONDS_BUCKETS)
        .register(registry);
  }

  private void throughput(String type, Object result, double seconds) {
    ResultFigures f = ResultFigures.of(result);
    if (f.isEmpty()) {
      return;
    }
    f.documents().ifPresent(n -> {
      Counter.builder("pretrain.activity.documents")
          .description("Documents (input records) processed by completed activities")
          .tag("activity_type", type).register(registry).increment(n);
      perSecond("pretrain.activity.documents.per.second", "Documents per second of each completed activity",
          type, n, seconds);
    });
    f.kept().ifPresent(n -> Counter.builder("pretrain.activity.documents.kept")
        .description("Documents kept by completed activities (ingest filters, dedup)")
        .tag("activity_type", type).register(registry).increment(n));
    f.tokens().ifPresent(n -> {
      Counter.builder("pretrain.activity.tokens")
          .description("Tokens written (tokenize) or consumed (train, evaluate) by completed activities")
          .tag("activity_type", type).register(registry).increment(n);
      perSecond("pretrain.activity.tokens.per.second", "Tokens per second of each completed activity",
          type, n, seconds);
    });
  }

  private void perSecond(String name, String description, String type, long count, double seconds) {
    if (seconds <= 0 || count <= 0) {
      return;
    }
    DistributionSummary.builder(name).description(description)
        .tag("activity_type", type).register(registry).record(count / seconds);
  }

  /** The ApplicationFailure's type (BadInput, ...) or the exception's class: few distinct values. */
  static String failureType(Throwable e) {
    if (e instanceof ApplicationFailure af && af.getType() != null && !af.getType().isEmpty()) {
      return af.getType();
    }
    return e.getClass().getSimpleName();
  }
}
