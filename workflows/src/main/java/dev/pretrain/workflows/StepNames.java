package dev.pretrain.workflows;

/** Names of the pipeline's steps, as they appear in the database, search attributes and the CLI. */
public final class StepNames {
  public static final String INGEST = "ingest";
  public static final String DEDUP = "dedup";
  public static final String TOKENIZE = "tokenize";
  public static final String TRAIN = "train";
  public static final String EVALUATE = "evaluate";
  public static final String QUANTIZE = "quantize";

  /** Every step, in the order a run executes them. */
  public static final java.util.List<String> ALL = java.util.List.of(INGEST, DEDUP, TOKENIZE, TRAIN, EVALUATE, QUANTIZE);

  private StepNames() {}
}
