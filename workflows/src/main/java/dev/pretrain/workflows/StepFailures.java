package dev.pretrain.workflows;

import java.util.List;

/**
 * The failure types a step's activity reports ({@code ApplicationFailure.getType()}), shared by the
 * activities that throw them and the workflow that decides what a retry can fix.
 */
public final class StepFailures {

  /** The input data cannot be used as it is (no input files, a corrupt artifact, malformed records). */
  public static final String BAD_INPUT = "BadInput";
  /** The run's parameters are wrong (an unknown encoding, a sequence longer than the context). */
  public static final String BAD_PARAMETER = "BadParameter";
  /** The request breaks a rule of the pipeline's policy. */
  public static final String POLICY_VIOLATION = "PolicyViolation";

  /** Failure types that a retry cannot fix: bad input, bad parameters or a policy. */
  public static final List<String> NON_RETRYABLE = List.of(BAD_INPUT, BAD_PARAMETER, POLICY_VIOLATION);

  private StepFailures() {}

  /** {@link #NON_RETRYABLE} as {@code RetryOptions.setDoNotRetry} takes it. */
  public static String[] nonRetryable() {
    return NON_RETRYABLE.toArray(new String[0]);
  }
}
