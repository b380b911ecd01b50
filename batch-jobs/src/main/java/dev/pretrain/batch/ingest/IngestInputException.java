package dev.pretrain.batch.ingest;

/**
 * An input that a retry cannot fix: a local file that is gone, or an input whose bytes differ from
 * those registered for it. Callers should fail fast (non-retryable) with this message.
 */
public class IngestInputException extends RuntimeException {
  public IngestInputException(String message) {
    super(message);
  }

  public IngestInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
