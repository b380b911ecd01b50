package dev.pretrain.workflows.run;

/**
 * A step that exhausted its retries; the run waits for {@code retryStep} or {@code abandon}.
 *
 * @param attempts    activity attempts of the failed execution (from the worker's execution records)
 * @param error       the last attempt's error message
 * @param failureType the failure type, e.g. BadParameter, or the Java exception class
 * @param parkedAt    ISO-8601 instant, workflow time
 */
public record ParkedStep(String step, int attempts, String error, String failureType, String parkedAt) {}
