package dev.pretrain.batch.tokenize;

/** Where a whole document goes; the name is the file prefix ({@code train-00003.bin}). */
public enum Split {
  TRAIN("train"),
  VAL("val");

  private final String prefix;

  Split(String prefix) {
    this.prefix = prefix;
  }

  public String prefix() {
    return prefix;
  }
}
