package dev.pretrain.batch.curate.quality;

/**
 * The word tokens of one text, as spans (start, length) with a 64-bit hash each, plus the counts the
 * Gopher quality rules need. Built by {@link WordSplitter}; owned by one call, never shared.
 */
final class Words {

  int count;
  int[] starts;
  int[] lengths;
  long[] hashes;
  /** Tokens with at least one letter, digit or mark (datatrove's "non-symbol words"). */
  int nonSymbolCount;
  long nonSymbolChars;
  /** Tokens with at least one letter (Python's str.isalpha on some character). */
  int alphaCount;
  /** Bit i set when stop word i occurs (case-sensitive, as datatrove). */
  int stopWordMask;

  Words(int capacity) {
    starts = new int[capacity];
    lengths = new int[capacity];
    hashes = new long[capacity];
  }

  void add(int start, int length, long hash) {
    if (count == starts.length) {
      int grown = count * 2;
      starts = java.util.Arrays.copyOf(starts, grown);
      lengths = java.util.Arrays.copyOf(lengths, grown);
      hashes = java.util.Arrays.copyOf(hashes, grown);
    }
    starts[count] = start;
    lengths[count] = length;
    hashes[count] = hash;
    count++;
  }
}
