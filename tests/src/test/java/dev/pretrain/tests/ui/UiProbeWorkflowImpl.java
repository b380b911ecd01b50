package dev.pretrain.tests.ui;

import io.temporal.common.SearchAttributeKey;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Parks until {@code retryStep} arrives, then completes with a result built from its payload. */
public class UiProbeWorkflowImpl implements UiProbeWorkflow {

  static final SearchAttributeKey<String> STATUS = SearchAttributeKey.forKeyword(STATUS_ATTRIBUTE);

  private RetryStep retry;
  private final List<String> notes = new ArrayList<>();

  @Override
  public String park(String label) {
    Workflow.upsertTypedSearchAttributes(STATUS.valueSet("parked"));
    Workflow.await(() -> retry != null);
    Workflow.upsertTypedSearchAttributes(STATUS.valueSet("done"));
    // TreeMap: a stable order, so a test can compare the whole string
    return label + ": retried " + retry.step() + " with " + new TreeMap<>(retry.set() == null ? Map.of() : retry.set())
        + (notes.isEmpty() ? "" : " notes=" + notes);
  }

  @Override
  public String retryStep(RetryStep request) {
    retry = request;
    return "accepted retry of " + request.step();
  }

  @Override
  public void validateRetryStep(RetryStep request) {
    // Rejected in the validator, so a bad payload from the UI leaves no trace in the history
    if (request == null || request.step() == null || request.step().isBlank()) {
      throw new IllegalArgumentException("retryStep needs a non-empty \"step\"");
    }
    if (retry != null) {
      throw new IllegalStateException("already retrying " + retry.step());
    }
  }

  @Override
  public void note(String text) {
    notes.add(text);
  }
}
