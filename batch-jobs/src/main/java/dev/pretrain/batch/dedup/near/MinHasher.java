package dev.pretrain.batch.dedup.near;

import java.util.SplittableRandom;

/**
 * MinHash signatures: for each of {@code k} hash functions, the smallest value it takes over a
 * document's shingles. Two documents agree on one position with probability equal to the Jaccard
 * similarity of their shingle sets, so the fraction of equal positions estimates it (standard error
 * {@code sqrt(J(1-J)/k)}: about 0.047 at J = 0.5 with 112 hashes).
 *
 * <p>The hash functions are Dietzfelbinger's multiply-add-shift family on 32-bit keys,
 * {@code h_i(x) = (a_i * x + b_i) >>> 32} in 64-bit arithmetic with {@code a_i} odd: universal,
 * and one multiply and one add per shingle and function. {@code a_i, b_i} come from a seeded
 * generator, so a signature depends only on the text, {@code k} and the seed (recorded in lineage).
 * Immutable and thread-safe.
 */
public final class MinHasher {

  public static final int DEFAULT_HASHES = 112;
  public static final long DEFAULT_SEED = 0x5EED_0F_D0C5L;

  private final long[] a;
  private final long[] b;
  private final long seed;

  public MinHasher() {
    this(DEFAULT_HASHES, DEFAULT_SEED);
  }

  public MinHasher(int hashes, long seed) {
    if (hashes < 1) {
      throw new IllegalArgumentException("at least one hash function, not " + hashes);
    }
    this.seed = seed;
    a = new long[hashes];
    b = new long[hashes];
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = 0; i < hashes; i++) {
      a[i] = random.nextLong() | 1L;
      b[i] = random.nextLong();
    }
  }

  public int hashes() {
    return a.length;
  }

  public long seed() {
    return seed;
  }

  /**
   * The signature of these shingles: {@link #hashes()} values, each an unsigned 32-bit minimum held
   * in a long. Null for no shingles (a text without words has no signature and is never a near-duplicate).
   */
  public long[] signature(int[] shingles) {
    if (shingles.length == 0) {
      return null;
    }
    long[] keys = new long[shingles.length];
    for (int j = 0; j < shingles.length; j++) {
      keys[j] = shingles[j] & 0xFFFF_FFFFL;
    }
    long[] sig = new long[a.length];
    // one function at a time over all shingles: a tight min-reduction the JIT keeps in registers
    for (int i = 0; i < a.length; i++) {
      long ai = a[i];
      long bi = b[i];
      long min = Long.MAX_VALUE;
      for (long x : keys) {
        long v = (ai * x + bi) >>> 32;
        if (v < min) {
          min = v;
        }
      }
      sig[i] = min;
    }
    return sig;
  }

  /** The fraction of positions where two signatures agree: the MinHash estimate of their Jaccard similarity. */
  public static double estimate(long[] x, long[] y) {
    if (x.length != y.length) {
      throw new IllegalArgumentException("signatures of " + x.length + " and " + y.length + " hashes");
    }
    int same = 0;
    for (int i = 0; i < x.length; i++) {
      if (x[i] == y[i]) {
        same++;
      }
    }
    return (double) same / x.length;
  }

  /** Exact Jaccard similarity of two sorted, distinct shingle sets ({@link Shingler#shingleSet}). */
  public static double jaccard(int[] x, int[] y) {
    if (x.length == 0 && y.length == 0) {
      return 1.0;
    }
    int i = 0;
    int j = 0;
    int common = 0;
    while (i < x.length && j < y.length) {
      if (x[i] == y[j]) {
        common++;
        i++;
        j++;
      } else if (x[i] < y[j]) {
        i++;
      } else {
        j++;
      }
    }
    return (double) common / (x.length + y.length - common);
  }
}
