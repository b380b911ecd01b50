package dev.pretrain.workflows.run;

import java.util.Map;

/**
 * Payload of the {@code retryStep} update, e.g. {@code {"step": "tokenize", "set": {"encoding": "r50k_base"}}}.
 *
 * @param step the step to run again: the parked step or one finished before it; null or empty means
 *             the parked step
 * @param set  parameter overrides of that step (names as in the recipe section of the step); values
 *             are JSON scalars or strings
 */
public record RetryStepRequest(String step, Map<String, Object> set) {
  public Map<String, Object> overrides() {
    return set == null ? Map.of() : set;
  }
}
