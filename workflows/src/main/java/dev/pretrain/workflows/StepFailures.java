package dev.pretrain.workflows;

import java.time.Duration;
import java.util.List;

/**
 * The failure types a step's activity reports ({@code ApplicationFailure.getType()}), shared by the
 * activities that throw them and the workflow that decides what a retry can fix, and how long each
 * class of failure is retried before the run parks:
 * <ul>
 *   <li>{@link #NON_RETRYABLE} (bad input, bad parameters, policy): at once;
 *   <li>{@link #INFRASTRUCTURE} (storage, database or network unreachable): for about ten minutes,
 *       {@link #INFRASTRUCTURE_ATTEMPTS} attempts with backoff up to {@link #MAX_RETRY_INTERVAL}, so
 *       that an outage shorter than that needs no operator;
 *   <li>anything else ({@link #STEP_ERROR}, most likely a bug): after {@link #STEP_ERROR_ATTEMPTS}.
 * </ul>
 * Temporal's retry options are per activity, not per failure type: the workflow sets the longest
 * bound, and the worker's classification (in {@code activities}) makes a failure non-retryable once
 * its class's attempts are spent.
 */
public final class StepFailures {

  /** The input data cannot be used as it is (no input files, a corrupt artifact, malformed records). */
  public static final String BAD_INPUT = "BadInput";
  /** The run's parameters are wrong (an unknown encoding, a sequence longer than the context). */
  public static final String BAD_PARAMETER = "BadParameter";
  /** The request breaks a rule of the pipeline's policy. */
  public static final String POLICY_VIOLATION = "PolicyViolation";

  /** Storage, database or network unreachable, or a server error there: a retry after the outage works. */
  public static final String INFRASTRUCTURE = "Infrastructure";
  /** An unexpected error in the step itself (a bug, most likely): retried a few times, then the run parks. */
  public static final String STEP_ERROR = "StepError";

  /** Failure types that a retry cannot fix: bad input, bad parameters or a policy. */
  public static final List<String> NON_RETRYABLE = List.of(BAD_INPUT, BAD_PARAMETER, POLICY_VIOLATION);

  /** Attempts an unexpected error gets before the run parks. */
  public static final int STEP_ERROR_ATTEMPTS = 5;
  /** Backoff doubles from {@link #FIRST_RETRY_INTERVAL} up to this. */
  public static final Duration MAX_RETRY_INTERVAL = Duration.ofSeconds(30);
  public static final Duration FIRST_RETRY_INTERVAL = Duration.ofSeconds(1);
  /**
   * Attempts an infrastructure fault gets: waits of 1+2+4+8+16 s, then 30 s each, add up to about
   * ten minutes over 25 attempts.
   */
  public static final int INFRASTRUCTURE_ATTEMPTS = 25;

  private StepFailures() {}

  /** {@link #NON_RETRYABLE} as {@code RetryOptions.setDoNotRetry} takes it. */
  public static String[] nonRetryable() {
    return NON_RETRYABLE.toArray(new String[0]);
  }
}
