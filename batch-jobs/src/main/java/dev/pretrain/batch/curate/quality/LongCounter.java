package dev.pretrain.batch.curate.quality;

import java.util.Arrays;

/**
 * Counts 64-bit keys (hashes) in an open-addressing table, each key next to its count and the index of
 * its first occurrence (one cache line per probe). Grows when half full; {@link #clear()} empties it for
 * the next n-gram size. One instance per call, never shared.
 */
final class LongCounter {

  /** Slot i: table[2i] the key, table[2i + 1] count (high 32 bits) and first index (low 32 bits); 0 = empty. */
  private long[] table;
  private int mask;
  private int size;

  LongCounter(int capacity) {
    int slots = Integer.highestOneBit(Math.max(8, capacity) * 2 - 1) << 1;
    table = new long[slots * 2];
    mask = slots - 1;
  }

  void clear() {
    Arrays.fill(table, 0L);
    size = 0;
  }

  /** Adds one occurrence of key; returns the count before this one (0 when the key is new). */
  int increment(long key) {
    return (int) (add(key, 0) >>> 32) - 1;
  }

  /**
   * Adds one occurrence of key first seen at index; returns the entry after the addition: count in the
   * high 32 bits, the index of the key's first occurrence in the low 32.
   */
  long add(long key, int index) {
    int slot = (int) key & mask;
    while (true) {
      int at = slot << 1;
      long entry = table[at + 1];
      if (entry == 0) {
        table[at] = key;
        entry = (1L << 32) | (index & 0xFFFFFFFFL);
        table[at + 1] = entry;
        if (++size * 2 > mask) {
          grow();
        }
        return entry;
      }
      if (table[at] == key) {
        entry += 1L << 32;
        table[at + 1] = entry;
        return entry;
      }
      slot = (slot + 1) & mask;
    }
  }

  private void grow() {
    long[] old = table;
    table = new long[old.length * 2];
    mask = (table.length >> 1) - 1;
    for (int at = 0; at < old.length; at += 2) {
      if (old[at + 1] != 0) {
        int slot = (int) old[at] & mask;
        while (table[(slot << 1) + 1] != 0) {
          slot = (slot + 1) & mask;
        }
        table[slot << 1] = old[at];
        table[(slot << 1) + 1] = old[at + 1];
      }
    }
  }
}
