package dev.pretrain.batch.dedup.decontam;

import java.io.IOException;

/** The bytes read are not a decontamination index this code can load: wrong magic, version, truncated, or damaged. */
public final class CorruptIndexException extends IOException {

  public CorruptIndexException(String message) {
    super(message);
  }

  public CorruptIndexException(String message, Throwable cause) {
    super(message, cause);
  }
}
