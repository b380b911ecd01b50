package dev.pretrain.activities.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.activities.cache.CachedSteps;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptorBase;
import io.temporal.common.interceptors.WorkerInterceptorBase;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Failure drills for operators and tests: while a file named after a step exists in the fault
 * directory (e.g. {@code <dir>/tokenize}), every activity of that step fails with type
 * {@code InjectedFault} and the file's first line as message; a first line starting with
 * {@code nonretryable:} makes the failure non-retryable, so the run parks at once. Deleting the file
 * is "fixing the cause". Off unless a directory is configured ({@code PRETRAIN_FAULT_DIR}).
 */
public final class FaultInjectionInterceptor extends WorkerInterceptorBase {

  public static final String FAILURE_TYPE = "InjectedFault";
  private static final String NON_RETRYABLE = "nonretryable:";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;

  public FaultInjectionInterceptor(Path dir) {
    this.dir = dir;
  }

  @Override
  public ActivityInboundCallsInterceptor interceptActivity(ActivityInboundCallsInterceptor next) {
    return new ActivityInboundCallsInterceptorBase(next) {
      private ActivityExecutionContext context;

      @Override
      public void init(ActivityExecutionContext context) {
        this.context = context;
        super.init(context);
      }

      @Override
      public ActivityOutput execute(ActivityInput input) {
        Optional<CachedSteps.Spec> spec = CachedSteps.forActivityType(context.getInfo().getActivityType());
        if (spec.isPresent() && input.getArguments().length > 0) {
          JsonNode request = JSON.valueToTree(input.getArguments()[0]);
          fail(spec.get().stepOf().apply(request));
        }
        return super.execute(input);
      }
    };
  }

  private void fail(String step) {
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
    if (line.startsWith(NON_RETRYABLE)) {
      String message = line.substring(NON_RETRYABLE.length()).strip();
      throw ApplicationFailure.newNonRetryableFailure("injected fault in " + step + ": " + message, FAILURE_TYPE);
    }
    throw ApplicationFailure.newFailure("injected fault in " + step + ": " + line, FAILURE_TYPE);
  }
}
