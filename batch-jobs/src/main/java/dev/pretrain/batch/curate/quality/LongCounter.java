package dev.pretrain.batch.curate.quality;

import java.util.Arrays;

/**
 * Counts 64-bit keys (hashes) in an open-addressing table. Sized once for at most {@code capacity}
 * distinct keys; {@link #clear()} empties it for the next n-gram size. One instance per document, never shared.
 */
final class LongCounter {

  private final long[] keys;
  private final int[] counts;
  private final int mask;

  LongCounter(int capacity) {
    int size = Integer.highestOneBit(Math.max(16, capacity * 2 - 1)) << 1;
    keys = new long[size];
    counts = new int[size];
    mask = size - 1;
  }

  void clear() {
    Arrays.fill(counts, 0);
  }

  /** Adds one occurrence of key; returns the count before this one (0 when the key is new). */
  int increment(long key) {
    int slot = (int) key & mask;
    while (true) {
      int count = counts[slot];
      if (count == 0) {
        keys[slot] = key;
        counts[slot] = 1;
        return 0;
      }
      if (keys[slot] == key) {
        counts[slot] = count + 1;
        return count;
      }
      slot = (slot + 1) & mask;
    }
  }

  int count(long key) {
    int slot = (int) key & mask;
    while (true) {
      int count = counts[slot];
      if (count == 0 || keys[slot] == key) {
        return count;
      }
      slot = (slot + 1) & mask;
    }
  }
}
