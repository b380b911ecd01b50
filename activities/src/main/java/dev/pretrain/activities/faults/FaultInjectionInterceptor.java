package dev.pretrain.activities.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.activities.ActivityInterceptor;
import dev.pretrain.activities.cache.CachedSteps;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Failure drills for operators and tests: while a file named after a step exists in the fault
 * directory (e.g. {@code <dir>/tokenize}), every activity of that step fails with type
 * {@code InjectedFault} and the file's first line as message; a first line starting with
 * {@code nonretryable:} makes the failure non-retryable, so the run parks at once. Deleting the file
 * is "fixing the cause". Off unless a directory is configured ({@code PRETRAIN_FAULT_DIR}).
 *
 * <p>A first line {@code delay: 5s} (or {@code delay: 750ms}) is a delay drill instead of a failure:
 * every activity of that step sleeps that long before doing its work, heartbeating every second
 * (with the details of the attempt before, so that a resume point is not lost), then works normally.
 * It holds a step in flight long enough to kill a worker, a server or a connection in the middle of
 * it, deterministically; the fault-injection tests use it.
 */
public final class FaultInjectionInterceptor extends ActivityInterceptor {

  public static final String FAILURE_TYPE = "InjectedFault";
  private static final String NON_RETRYABLE = "nonretryable:";
  private static final String DELAY = "delay:";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;

  public FaultInjectionInterceptor(Path dir) {
    this.dir = dir;
  }

  @Override
  protected ActivityInboundCallsInterceptor.ActivityOutput execute(ActivityExecutionContext context,
      ActivityInboundCallsInterceptor.ActivityInput input,
      Supplier<ActivityInboundCallsInterceptor.ActivityOutput> proceed) {
    Optional<CachedSteps.Spec> spec = CachedSteps.forActivityType(context.getInfo().getActivityType());
    if (spec.isPresent() && input.getArguments().length > 0) {
      JsonNode request = JSON.valueToTree(input.getArguments()[0]);
      fail(spec.get().stepOf().apply(request), context);
    }
    return proceed.get();
  }

  private void fail(String step, ActivityExecutionContext context) {
    Path file = dir.resolve(step);
    if (!Files.isRegularFile(file)) {
      return;
    }
    String line;
    try {
      line = Files.readAllLines(file, StandardCharsets.UTF_8).stream().findFirst().orElse("").strip();
    } catch (IOException e) {
      line = "";
    }
    if (line.startsWith(DELAY)) {
      delay(parseDelay(line.substring(DELAY.length())), context);
      return;
    }
    if (line.startsWith(NON_RETRYABLE)) {
      String message = line.substring(NON_RETRYABLE.length()).strip();
      throw ApplicationFailure.newNonRetryableFailure("injected fault in " + step + ": " + message, FAILURE_TYPE);
    }
    throw ApplicationFailure.newFailure("injected fault in " + step + ": " + line, FAILURE_TYPE);
  }

  /** {@code 5s}, {@code 750ms}, {@code 1.5s}; a bare number is seconds. */
  static Duration parseDelay(String text) {
    String t = text.strip().toLowerCase(Locale.ROOT);
    try {
      if (t.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2).strip()));
      }
      if (t.endsWith("s")) {
        t = t.substring(0, t.length() - 1).strip();
      }
      return Duration.ofMillis(Math.round(Double.parseDouble(t) * 1000));
    } catch (NumberFormatException e) {
      throw ApplicationFailure.newNonRetryableFailure("fault drill: cannot read delay '" + text.strip()
          + "' (write e.g. 'delay: 5s' or 'delay: 750ms')", FAILURE_TYPE);
    }
  }

  /** Sleeps, heartbeating every second with the previous attempt's details (a resume point stays known). */
  private static void delay(Duration delay, ActivityExecutionContext context) {
    Object details = context.getHeartbeatDetails(JsonNode.class).orElse(null);
    long end = System.nanoTime() + delay.toNanos();
    while (true) {
      context.heartbeat(details);
      long left = end - System.nanoTime();
      if (left <= 0) {
        return;
      }
      try {
        Thread.sleep(Math.min(1000, Math.max(1, left / 1_000_000)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw ApplicationFailure.newFailure("fault drill: delay interrupted", FAILURE_TYPE);
      }
    }
  }
}
