package dev.pretrain.ops.worker;

/** A worker could not start for a reason the user can fix (port taken, Temporal unreachable): one message. */
public final class WorkerStartException extends RuntimeException {
  public WorkerStartException(String message) {
    super(message);
  }
}
