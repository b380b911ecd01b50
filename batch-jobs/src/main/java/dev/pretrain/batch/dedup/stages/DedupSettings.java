package dev.pretrain.batch.dedup.stages;

import dev.pretrain.batch.dedup.near.LshBands;
import dev.pretrain.batch.dedup.near.MinHasher;
import dev.pretrain.batch.dedup.near.Shingler;
import java.util.List;
import java.util.Set;

/**
 * What the dedup stages need to agree on: the partition count, the keep rule's source order, and
 * the near-duplicate parameters (all recorded with the step).
 *
 * @param partitions   P: digests, band buckets and candidate pairs are each routed into P partitions
 * @param keepFirst    sources in keep priority order (earlier kept); unlisted sources rank after them
 * @param fuzzy        whether near-duplicates (MinHash-LSH) are removed, not only exact copies
 * @param threshold    the Jaccard similarity at or above which two documents are near-duplicates
 * @param bands        LSH bands; {@code bands * rows} MinHash values per signature
 * @param rows         rows per band
 * @param seed         the MinHash functions' seed
 * @param check        whether candidate pairs are checked with exact Jaccard on the shingle sets
 * @param heldOut      held-out evaluation sources (decontamination compares training documents to them)
 */
public record DedupSettings(int partitions, List<String> keepFirst, boolean fuzzy, double threshold, int bands,
    int rows, long seed, boolean check, Set<String> heldOut) {

  /** Above this many distinct members a bucket links each member to its first only (not all pairs). */
  public static final int ALL_PAIRS_MAX = 32;

  public DedupSettings {
    if (partitions < 1) {
      throw new IllegalArgumentException("dedup partitions must be at least 1, got " + partitions);
    }
    keepFirst = keepFirst == null ? List.of() : List.copyOf(keepFirst);
    heldOut = heldOut == null ? Set.of() : Set.copyOf(heldOut);
    if (fuzzy && !(threshold > 0 && threshold <= 1)) {
      throw new IllegalArgumentException("dedup threshold must be in (0, 1], got " + threshold);
    }
    if (fuzzy) {
      new LshBands(bands, rows); // validates
    }
  }

  public int priorityOf(String source) {
    int i = source == null ? -1 : keepFirst.indexOf(source);
    return i < 0 ? keepFirst.size() : i;
  }

  public LshBands lshBands() {
    return new LshBands(bands, rows);
  }

  public MinHasher minHasher() {
    return new MinHasher(bands * rows, seed);
  }

  public Shingler shingler() {
    return new Shingler();
  }

  /** Filter groups G: contiguous runs of input shards, one filter activity each. */
  public int groups(int shards) {
    return Math.max(1, Math.min(partitions, shards));
  }

  /** The filter group of input shard {@code shard} of {@code shards}. */
  public static int groupOf(int shard, int shards, int groups) {
    return (int) ((long) shard * groups / shards);
  }

  static int partitionOf(long hash, int partitions) {
    return (int) Math.floorMod(mix(hash), (long) partitions);
  }

  static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }
}
