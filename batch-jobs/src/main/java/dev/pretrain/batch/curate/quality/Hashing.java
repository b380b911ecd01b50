package dev.pretrain.batch.curate.quality;

/** 64-bit hashing of text spans and n-grams of spans, without building strings. */
final class Hashing {

  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;
  /** Odd multiplier of the polynomial n-gram hash (odd, so multiplication by it is a bijection mod 2^64). */
  static final long NGRAM_BASE = 0x9E3779B97F4A7C15L;
  private static final long BLOCK_PRIME = 0xc6a4a7935bd1e995L;

  private Hashing() {}

  static long start() {
    return FNV_OFFSET;
  }

  static long add(long h, char c) {
    return (h ^ c) * FNV_PRIME;
  }

  /**
   * Hash of text[from, to), four characters per multiply (lines and paragraphs are long), finished with
   * the length. Not comparable with {@link #chars}.
   */
  static long span(String text, int from, int to) {
    long h = FNV_OFFSET;
    int i = from;
    for (; i + 3 < to; i += 4) {
      long block = text.charAt(i) | (long) text.charAt(i + 1) << 16 | (long) text.charAt(i + 2) << 32
          | (long) text.charAt(i + 3) << 48;
      h = Long.rotateLeft((h ^ block) * BLOCK_PRIME, 31);
    }
    for (; i < to; i++) {
      h = (h ^ text.charAt(i)) * FNV_PRIME;
    }
    return finish(h, to - from);
  }

  /** Hash of a whole string character by character, as {@link #add} builds it for word tokens. */
  static long chars(String s) {
    long h = FNV_OFFSET;
    for (int i = 0; i < s.length(); i++) {
      h = add(h, s.charAt(i));
    }
    return finish(h, s.length());
  }

  static long finish(long h, int length) {
    return mix(h ^ ((long) length << 32));
  }

  /** Murmur3's 64-bit finaliser: spreads every input bit over the whole word. */
  static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }
}
