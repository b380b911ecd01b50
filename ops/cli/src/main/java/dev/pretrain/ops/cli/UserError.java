package dev.pretrain.ops.cli;

/** A failure explained to the user in one message, without a stack trace. */
public final class UserError extends RuntimeException {
  public UserError(String message) {
    super(message);
  }
}
