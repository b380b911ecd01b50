package dev.pretrain.batch.dedup;

import dev.pretrain.batch.shards.ShardDocument;
import dev.pretrain.batch.shards.ShardFormatException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import org.springframework.batch.infrastructure.item.ItemProcessor;

/**
 * Exact dedup on the SHA-256 of the normalized text: the first document with a given digest (in
 * shard order, then line order) is kept, every later one is marked a duplicate of it.
 *
 * <p>Holds every digest seen in memory (about 100 bytes per distinct document plus its id), which is
 * why the step reads all shards in one job: the first occurrence must be global, not per shard.
 */
public class ExactDuplicateProcessor implements ItemProcessor<ShardDocument, DedupVerdict> {

  /** A SHA-256 as four longs: half the memory of its hex string, and parsing it validates it. */
  record Digest(long a, long b, long c, long d) {
    static Digest ofHex(String hex) {
      return new Digest(
          HexFormat.fromHexDigitsToLong(hex, 0, 16), HexFormat.fromHexDigitsToLong(hex, 16, 32),
          HexFormat.fromHexDigitsToLong(hex, 32, 48), HexFormat.fromHexDigitsToLong(hex, 48, 64));
    }
  }

  private final Map<Digest, String> firstIdByDigest = new HashMap<>();

  @Override
  public DedupVerdict process(ShardDocument doc) {
    return new DedupVerdict(doc, firstIdByDigest.putIfAbsent(digestOf(doc), doc.id()));
  }

  private static Digest digestOf(ShardDocument doc) {
    String hex = doc.sha256();
    if (hex.length() != 64) {
      throw badDigest(doc, null);
    }
    try {
      return Digest.ofHex(hex);
    } catch (IllegalArgumentException e) {
      throw badDigest(doc, e);
    }
  }

  private static ShardFormatException badDigest(ShardDocument doc, Exception cause) {
    return new ShardFormatException("document " + doc.id() + " (input shard " + doc.shardIndex() + " line " + doc.line()
        + "): sha256 \"" + doc.sha256() + "\" is not 64 hex digits", cause);
  }
}
