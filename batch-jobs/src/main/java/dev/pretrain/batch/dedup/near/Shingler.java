package dev.pretrain.batch.dedup.near;

/**
 * A text's word n-gram shingles as 32-bit hashes, the unit near-duplicate detection compares.
 *
 * <p>Normalization, so that edits that do not change the words do not change the shingles: a word is
 * a maximal run of letters and digits (Unicode), lower-cased code point by code point; everything
 * else (spaces, line breaks, punctuation, symbols) only separates words. "Hello,  World!" and
 * "hello world" have the same shingles. A text of fewer than {@code n} words has one shingle, of all
 * its words; a text without words has none.
 *
 * <p>Each word is hashed (64-bit FNV-1a over its lower-cased code points), the n word hashes of a
 * shingle are combined in order and mixed down to 32 bits. Immutable and thread-safe.
 */
public final class Shingler {

  public static final int DEFAULT_WORDS = 5;

  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;
  private static final long COMBINE = 0x9E3779B97F4A7C15L;

  private final int n;

  public Shingler() {
    this(DEFAULT_WORDS);
  }

  public Shingler(int wordsPerShingle) {
    if (wordsPerShingle < 1) {
      throw new IllegalArgumentException("a shingle needs at least one word, not " + wordsPerShingle);
    }
    this.n = wordsPerShingle;
  }

  public int wordsPerShingle() {
    return n;
  }

  /** The shingle hashes in text order, repeats included (what MinHash reads); empty for a text without words. */
  public int[] shingles(CharSequence text) {
    long[] words = wordHashes(text);
    int count = words.length;
    if (count == 0) {
      return new int[0];
    }
    int shingles = Math.max(1, count - n + 1);
    int width = Math.min(n, count);
    int[] out = new int[shingles];
    for (int s = 0; s < shingles; s++) {
      long h = words[s];
      for (int k = 1; k < width; k++) {
        h = h * COMBINE + words[s + k];
      }
      out[s] = (int) mix(h);
    }
    return out;
  }

  /** The distinct shingle hashes, sorted (signed order): the set exact Jaccard compares. */
  public int[] shingleSet(CharSequence text) {
    int[] all = shingles(text);
    java.util.Arrays.sort(all);
    int distinct = 0;
    for (int i = 0; i < all.length; i++) {
      if (i == 0 || all[i] != all[i - 1]) {
        all[distinct++] = all[i];
      }
    }
    return java.util.Arrays.copyOf(all, distinct);
  }

  /**
   * The 64-bit hashes of the text's complete word n-grams ({@code n} = {@link #wordsPerShingle()}), in
   * text order, repeats included: the same words, normalization and combination as {@link #shingles},
   * mixed down to 64 bits instead of 32, so {@code (int) ngramHashes(t)[i] == shingles(t)[i]} when the
   * text has at least {@code n} words. Unlike {@link #shingles}, a text of fewer than {@code n} words
   * has none (what n-gram overlap with evaluation data needs: a short text shares no n-gram).
   */
  public long[] ngramHashes(CharSequence text) {
    long[] words = wordHashes(text);
    int grams = words.length - n + 1;
    if (grams <= 0) {
      return new long[0];
    }
    // The combination is the polynomial sum of w[s + k] * COMBINE^(n - 1 - k) (mod 2^64): it rolls.
    long top = 1;
    for (int k = 1; k < n; k++) {
      top *= COMBINE;
    }
    long h = 0;
    for (int k = 0; k < n; k++) {
      h = h * COMBINE + words[k];
    }
    long[] out = new long[grams];
    out[0] = mix(h);
    for (int s = 1; s < grams; s++) {
      h = (h - words[s - 1] * top) * COMBINE + words[s + n - 1];
      out[s] = mix(h);
    }
    return out;
  }

  /** One 64-bit hash per word, in order. */
  static long[] wordHashes(CharSequence text) {
    long[] out = new long[Math.max(8, text.length() / 5)];
    int count = 0;
    long h = FNV_OFFSET;
    boolean inWord = false;
    int len = text.length();
    for (int i = 0; i < len; ) {
      char c = text.charAt(i);
      int cp;
      if (Character.isHighSurrogate(c) && i + 1 < len && Character.isLowSurrogate(text.charAt(i + 1))) {
        cp = Character.toCodePoint(c, text.charAt(i + 1));
        i += 2;
      } else {
        cp = c;
        i++;
      }
      boolean wordChar = cp < 128 ? isAsciiWordChar(cp) : Character.isLetterOrDigit(cp);
      if (wordChar) {
        int lower = cp < 128 ? (cp >= 'A' && cp <= 'Z' ? cp + 32 : cp) : Character.toLowerCase(cp);
        h = (h ^ lower) * FNV_PRIME;
        inWord = true;
      } else if (inWord) {
        if (count == out.length) {
          out = java.util.Arrays.copyOf(out, out.length * 2);
        }
        out[count++] = h;
        h = FNV_OFFSET;
        inWord = false;
      }
    }
    if (inWord) {
      if (count == out.length) {
        out = java.util.Arrays.copyOf(out, out.length + 1);
      }
      out[count++] = h;
    }
    return java.util.Arrays.copyOf(out, count);
  }

  private static boolean isAsciiWordChar(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }

  /** MurmurHash3's 64-bit finalizer: nearby inputs spread over all output bits. */
  static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }
}
