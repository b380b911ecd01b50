package dev.pretrain.activities.retry;

import dev.pretrain.activities.ActivityInterceptor;
import dev.pretrain.workflows.StepFailures;
import dev.pretrain.workflows.dedup.DedupActivities;
import dev.pretrain.workflows.evaluate.EvaluateActivities;
import dev.pretrain.workflows.ingest.IngestActivities;
import dev.pretrain.workflows.quantize.QuantizeActivities;
import dev.pretrain.workflows.tokenize.TokenizeActivities;
import dev.pretrain.workflows.train.TrainActivities;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCompletionException;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor;
import io.temporal.common.metadata.POJOActivityInterfaceMetadata;
import io.temporal.common.metadata.POJOActivityMethodMetadata;
import io.temporal.failure.ApplicationFailure;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Gives each class of step failure its own retry budget (see {@link StepFailures}); Temporal's retry
 * options are per activity and bound only the longest, infrastructure's. What a step activity throws
 * leaves here as an {@link ApplicationFailure}: non-retryable ones as they are; an infrastructure
 * fault as a retryable {@value StepFailures#INFRASTRUCTURE}; anything else (a
 * {@value StepFailures#STEP_ERROR}, or a retryable failure of another type) retryable until attempt
 * {@value StepFailures#STEP_ERROR_ATTEMPTS}, then non-retryable, so a bug parks the run early.
 * Bookkeeping activities (ledger, routing) are left alone. Register it outermost, so that it sees
 * the failures of every other layer too.
 */
public final class StepRetryInterceptor extends ActivityInterceptor {

  private static final Set<String> STEP_ACTIVITY_TYPES = stepActivityTypes(List.of(IngestActivities.class,
      DedupActivities.class, TokenizeActivities.class, TrainActivities.class, EvaluateActivities.class,
      QuantizeActivities.class, dev.pretrain.workflows.export.ExportActivities.class));

  @Override
  protected ActivityInboundCallsInterceptor.ActivityOutput execute(ActivityExecutionContext context,
      ActivityInboundCallsInterceptor.ActivityInput input,
      Supplier<ActivityInboundCallsInterceptor.ActivityOutput> proceed) {
    if (!STEP_ACTIVITY_TYPES.contains(context.getInfo().getActivityType())) {
      return proceed.get();
    }
    try {
      return proceed.get();
    } catch (RuntimeException e) {
      throw classified(e, context.getInfo().getAttempt());
    }
  }

  /** The failure that attempt {@code attempt} of a step activity reports for {@code e}. */
  static RuntimeException classified(RuntimeException e, int attempt) {
    if (e instanceof ActivityCompletionException) {
      return e; // cancelled or timed out: Temporal's own exception, for Temporal
    }
    ApplicationFailure failure;
    if (e instanceof ApplicationFailure af) {
      failure = af;
    } else {
      String type = FailureClassifier.classify(e);
      String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      failure = ApplicationFailure.newFailureWithCause(message, type, e);
    }
    if (!failure.isNonRetryable() && !StepFailures.INFRASTRUCTURE.equals(failure.getType())
        && attempt >= StepFailures.STEP_ERROR_ATTEMPTS) {
      failure.setNonRetryable(true);
    }
    return failure;
  }

  static Set<String> stepActivityTypes(List<Class<?>> interfaces) {
    Set<String> types = new HashSet<>();
    for (Class<?> i : interfaces) {
      for (POJOActivityMethodMetadata m : POJOActivityInterfaceMetadata.newInstance(i).getMethodsMetadata()) {
        types.add(m.getActivityTypeName());
      }
    }
    return Set.copyOf(types);
  }
}
