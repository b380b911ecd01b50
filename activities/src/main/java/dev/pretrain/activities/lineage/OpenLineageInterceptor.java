package dev.pretrain.activities.lineage;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.activities.ActivityInterceptor;
import dev.pretrain.activities.cache.CachedSteps;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.activity.ActivityInfo;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * OpenLineage run events around every step activity of a worker (the activities {@link CachedSteps}
 * names: a partition of ingest, dedup, a shard of tokenize, train, evaluate, quantize; planning and
 * the ledger are not steps). Register it outermost: it then reports what Temporal is told, a cache
 * hit as a completed run with the reused artifacts as outputs, a failure as classified by the retry
 * layer. See {@link StepLineage} for the events.
 */
public final class OpenLineageInterceptor extends ActivityInterceptor {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final StepLineage lineage;

  public OpenLineageInterceptor(StepLineage lineage) {
    this.lineage = lineage;
  }

  @Override
  protected ActivityInboundCallsInterceptor.ActivityOutput execute(ActivityExecutionContext context,
      ActivityInboundCallsInterceptor.ActivityInput input, Supplier<ActivityInboundCallsInterceptor.ActivityOutput> proceed) {
    Optional<StepLineage.StepCall> call = stepCall(context.getInfo(), input.getArguments());
    if (call.isEmpty()) {
      return proceed.get();
    }
    StepLineage.Execution execution = lineage.started(call.get(), input.getArguments()[0]);
    ActivityInboundCallsInterceptor.ActivityOutput output;
    try {
      output = proceed.get();
    } catch (RuntimeException | Error e) {
      execution.failed(e);
      throw e;
    }
    execution.completed(output.getResult());
    return output;
  }

  /** The step call of a step activity with a run id in its request; empty for anything else. */
  static Optional<StepLineage.StepCall> stepCall(ActivityInfo info, Object[] arguments) {
    Optional<CachedSteps.Spec> spec = CachedSteps.forActivityType(info.getActivityType());
    if (spec.isEmpty() || arguments.length == 0 || arguments[0] == null) {
      return Optional.empty();
    }
    try {
      var request = JSON.valueToTree(arguments[0]);
      String runId = request.path("runId").asText(null);
      if (runId == null) {
        return Optional.empty();
      }
      // attempts count from 1; the SDK's TestActivityEnvironment reports 0 for the first
      int attempt = Math.max(1, info.getAttempt());
      return Optional.of(new StepLineage.StepCall(runId, spec.get().stepOf().apply(request), info.getActivityType(),
          info.getActivityId(), attempt, info.getWorkflowId(), info.getActivityTaskQueue()));
    } catch (RuntimeException e) {
      return Optional.empty(); // a request we cannot read is the step's problem, not lineage's
    }
  }
}
