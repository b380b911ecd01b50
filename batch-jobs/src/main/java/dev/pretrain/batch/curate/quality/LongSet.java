package dev.pretrain.batch.curate.quality;

import java.util.Arrays;

/**
 * A set of 64-bit hashes, open addressing, eight bytes a slot (half the memory traffic of
 * {@link LongCounter} where only "seen before?" matters). Key 0 is stored as 1.
 */
final class LongSet {

  private final long[] table;
  private final int mask;

  /** For at most {@code capacity} keys (never grows: the n-gram scans know their maximum). */
  LongSet(int capacity) {
    int slots = Integer.highestOneBit(Math.max(8, capacity) * 2 - 1) << 1;
    table = new long[slots];
    mask = slots - 1;
  }

  void clear() {
    Arrays.fill(table, 0L);
  }

  /** Adds key; false when it was already there. */
  boolean add(long key) {
    long k = key == 0 ? 1 : key;
    int slot = (int) k & mask;
    while (true) {
      long at = table[slot];
      if (at == 0) {
        table[slot] = k;
        return true;
      }
      if (at == k) {
        return false;
      }
      slot = (slot + 1) & mask;
    }
  }
}
