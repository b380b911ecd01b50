package dev.pretrain.batch.tokenizer;

import dev.pretrain.batch.tokenize.bpe.BpeVocabulary;
import dev.pretrain.batch.tokenize.bpe.HfTokenizerJson;
import dev.pretrain.db.storage.ObjectStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Reads a tokenizer the tokenizer step stored, checking that the object is the one its reference names. */
public final class StoredTokenizer {

  private StoredTokenizer() {}

  public static BpeVocabulary read(ObjectStore store, ObjectStore.Stored tokenizer) {
    byte[] json = store.readBytes(tokenizer.bucket(), tokenizer.key())
        .orElseThrow(() -> new IllegalStateException(tokenizer.uri() + " does not exist"));
    try {
      String sha = ObjectStore.sha256(new ByteArrayInputStream(json));
      if (tokenizer.sha256() != null && !tokenizer.sha256().equals(sha)) {
        throw new IllegalStateException(tokenizer.uri() + " has SHA-256 " + sha + ", but " + tokenizer.sha256()
            + " was recorded when the tokenizer step wrote it");
      }
      return HfTokenizerJson.read(new ByteArrayInputStream(json), tokenizer.uri());
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
  }
}
