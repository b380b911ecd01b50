package dev.pretrain.ops.cli;

/** Exit codes of {@code pretrain}: scripts tell a parked run from a failure by them. */
public final class ExitCodes {

  public static final int OK = 0;
  /** The command failed: an error message on stderr. */
  public static final int FAILED = 1;
  /** Bad configuration or recipe. */
  public static final int USAGE = 2;
  /** The run waits for an operator: retry or abandon it. */
  public static final int PARKED = 3;
  /** audit verify: the run's lineage differs from its seal, or the seal from its anchor. */
  public static final int TAMPERED = 4;

  private ExitCodes() {}
}
