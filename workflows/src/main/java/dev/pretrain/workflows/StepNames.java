package dev.pretrain.workflows;

/** Names of the pipeline's steps, as they appear in the database, search attributes and the CLI. */
public final class StepNames {
  public static final String INGEST = "ingest";
  public static final String DEDUP = "dedup";
  /** Trains the run's own BPE vocabulary; only in runs whose tokenize encoding is {@code bpe}. */
  public static final String TOKENIZER = "tokenizer";
  public static final String TOKENIZE = "tokenize";
  public static final String TRAIN = "train";
  public static final String EVALUATE = "evaluate";
  public static final String QUANTIZE = "quantize";
  /** GGUF files of the trained model; only in runs with their own vocabulary (it carries the tokenizer). */
  public static final String EXPORT = "export";

  /** Every step, in the order a run executes them ({@link #TOKENIZER} and {@link #EXPORT} only when the run trains its own vocabulary). */
  public static final java.util.List<String> ALL =
      java.util.List.of(INGEST, DEDUP, TOKENIZER, TOKENIZE, TRAIN, EVALUATE, QUANTIZE, EXPORT);

  private StepNames() {}
}
