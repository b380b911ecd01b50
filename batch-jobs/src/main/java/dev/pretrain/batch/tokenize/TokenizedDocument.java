package dev.pretrain.batch.tokenize;

/**
 * A document as it goes into a token shard.
 *
 * @param tokens the end-of-text token, then the text's tokens
 */
public record TokenizedDocument(String docId, Split split, int[] tokens) {
  /** Tokens this document occupies in a shard: its end-of-text prefix plus its text. */
  public int shardTokens() {
    return tokens.length;
  }
}
