package dev.pretrain.activities;

import dev.pretrain.activities.train.Trainer;
import dev.pretrain.batch.ingest.IngestInputException;
import dev.pretrain.workflows.StepFailures;
import io.temporal.client.ActivityCompletionException;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Translates what a step's work throws into the failure the workflow acts on: bad parameters and bad
 * input become non-retryable {@link ApplicationFailure}s of the {@link StepFailures} types; anything
 * else is left as it is for the retry policy.
 */
public final class ActivityFailures {

  /** An activity's work; it may throw I/O exceptions. */
  @FunctionalInterface
  public interface Work<T> {
    T call() throws IOException;
  }

  private ActivityFailures() {}

  /** Runs {@code work}, translating what it throws (see {@link #translate}). */
  public static <T> T translated(Work<T> work) {
    try {
      return work.call();
    } catch (IOException e) {
      throw translate(new UncheckedIOException(e.getMessage(), e));
    } catch (RuntimeException e) {
      throw translate(e);
    }
  }

  /**
   * The exception to throw from an activity in place of {@code e}: an {@link IllegalArgumentException}
   * is a bad parameter; bad input or a diverged training anywhere in the cause chain fails fast too.
   */
  public static RuntimeException translate(RuntimeException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ActivityCompletionException completion) {
        return completion; // a cancelled heartbeat surfaces as a job failure; give Temporal its own exception back
      }
    }
    if (e instanceof ApplicationFailure) {
      return e;
    }
    if (e instanceof IllegalArgumentException) {
      return ApplicationFailure.newNonRetryableFailureWithCause(e.getMessage(), StepFailures.BAD_PARAMETER, e);
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IngestInputException || t instanceof ArtifactCache.DigestMismatchException) {
        return ApplicationFailure.newNonRetryableFailureWithCause(t.getMessage(), StepFailures.BAD_INPUT, t);
      }
      if (t instanceof Trainer.TrainingDivergedException) {
        // deterministic: a retry from the last checkpoint diverges at the same step
        return ApplicationFailure.newNonRetryableFailureWithCause(t.getMessage() + "; lower the learning rate",
            StepFailures.BAD_PARAMETER, t);
      }
    }
    return e;
  }
}
