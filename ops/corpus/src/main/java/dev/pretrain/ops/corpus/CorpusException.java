package dev.pretrain.ops.corpus;

/** A corpus fetch that cannot go on: bad spec, failed client, checksum mismatch. Not retryable as is. */
public final class CorpusException extends RuntimeException {

  public CorpusException(String message) {
    super(message);
  }

  public CorpusException(String message, Throwable cause) {
    super(message, cause);
  }
}
