package dev.pretrain.batch.shards;

/** A document shard that does not hold what ingest writes: says which object, which line and what is wrong. */
public class ShardFormatException extends IllegalStateException {
  public ShardFormatException(String message) {
    super(message);
  }

  public ShardFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
