package dev.pretrain.tests.ui;

import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.Map;

/**
 * A tiny workflow for browser tests of the Temporal Web UI: it marks itself {@code PipelineStatus="parked"}
 * and waits until an operator sends {@code retryStep} from the UI. The names and descriptions are
 * published as workflow metadata, which is what makes them appear in the UI's dropdowns.
 */
@WorkflowInterface
public interface UiProbeWorkflow {

  /** Custom Keyword search attribute the list page is filtered by. */
  String STATUS_ATTRIBUTE = "PipelineStatus";

  /** The same shape a pipeline's retry takes: which step, and which of its parameters to override. */
  record RetryStep(String step, Map<String, String> set) {}

  @WorkflowMethod
  String park(String label);

  @UpdateMethod(name = "retryStep", description = "Retry one step with overridden parameters, e.g. "
      + "{\"step\":\"tokenize\",\"set\":{\"encoding\":\"r50k_base\"}}")
  String retryStep(RetryStep request);

  @UpdateValidatorMethod(updateName = "retryStep")
  void validateRetryStep(RetryStep request);

  @SignalMethod(name = "note", description = "Attach a free-text operator note to the result")
  void note(String text);
}
