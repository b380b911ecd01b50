package dev.pretrain.batch.tokenize;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.Set;

/**
 * Assigns whole documents to train or val. A document from a held-out source always goes to val;
 * any other goes to val iff {@code bucket(id) < round(valFraction * 1,000,000)}, where the bucket is
 * the first 8 bytes of SHA-256(id, UTF-8) as an unsigned number mod 1,000,000. Depending only on
 * the id, a document lands in the same split in every run, on every worker.
 */
public final class SplitRule {

  public static final long BUCKETS = 1_000_000L;

  private final long valBuckets;
  private final Set<String> heldOutSources;
  private final MessageDigest sha256;

  public SplitRule(double valFraction, Collection<String> heldOutSources) {
    if (!(valFraction >= 0.0 && valFraction < 1.0)) {
      throw new IllegalArgumentException("valFraction must be in [0, 1), got " + valFraction);
    }
    this.valBuckets = Math.round(valFraction * BUCKETS);
    this.heldOutSources = heldOutSources == null ? Set.of() : Set.copyOf(heldOutSources);
    try {
      this.sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public Split of(String docId, String source) {
    if (source != null && heldOutSources.contains(source)) {
      return Split.VAL;
    }
    return bucket(docId) < valBuckets ? Split.VAL : Split.TRAIN;
  }

  /** Not thread-safe (reuses one digest): one rule per step execution. */
  long bucket(String docId) {
    byte[] digest = sha256.digest(docId.getBytes(StandardCharsets.UTF_8));
    return Long.remainderUnsigned(ByteBuffer.wrap(digest, 0, 8).getLong(), BUCKETS);
  }
}
