package dev.pretrain.db.storage;

/** A storage call failed; retryable from the caller's point of view (network, server). */
public class StorageException extends RuntimeException {
  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }
}
