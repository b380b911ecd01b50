package dev.pretrain.batch.dedup.near;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** In memory, for evaluations: the pairs of documents that share at least one band bucket. */
final class CandidatePairs {

  private CandidatePairs() {}

  /** Each text's distinct shingles (for exact Jaccard) and its MinHash signature (default parameters). */
  record Sketches(int[][] sets, long[][] signatures) {
    static Sketches of(List<String> texts) {
      Shingler shingler = new Shingler();
      MinHasher hasher = new MinHasher();
      int[][] sets = new int[texts.size()][];
      long[][] sigs = new long[texts.size()][];
      for (int d = 0; d < texts.size(); d++) {
        sets[d] = shingler.shingleSet(texts.get(d));
        sigs[d] = hasher.signature(shingler.shingles(texts.get(d)));
      }
      return new Sketches(sets, sigs);
    }
  }

  /** Pairs as {@code (low << 32) | high} of document numbers; documents without a signature take no part. */
  static Set<Long> of(LshBands bands, long[][] signatures) {
    Set<Long> candidates = new HashSet<>();
    for (int b = 0; b < bands.bands(); b++) {
      Map<Long, List<Integer>> buckets = new HashMap<>();
      for (int d = 0; d < signatures.length; d++) {
        if (signatures[d] != null) {
          buckets.computeIfAbsent(bands.bucketKey(signatures[d], b), k -> new ArrayList<>()).add(d);
        }
      }
      for (List<Integer> bucket : buckets.values()) {
        for (int x = 0; x < bucket.size(); x++) {
          for (int y = x + 1; y < bucket.size(); y++) {
            candidates.add(pair(bucket.get(x), bucket.get(y)));
          }
        }
      }
    }
    return candidates;
  }

  static long pair(int x, int y) {
    return x < y ? ((long) x << 32) | y : ((long) y << 32) | x;
  }
}
