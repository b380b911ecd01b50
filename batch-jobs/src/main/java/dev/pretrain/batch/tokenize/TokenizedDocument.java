package dev.pretrain.batch.tokenize;

import com.knuddels.jtokkit.api.IntArrayList;

/** A document's text tokens; in a shard they follow one end-of-text token. */
public record TokenizedDocument(String docId, Split split, IntArrayList tokens) {
  /** Tokens this document occupies in a shard: its end-of-text prefix plus its text. */
  public int shardTokens() {
    return tokens.size() + 1;
  }
}
