package dev.pretrain.activities.train;

import java.util.ArrayList;
import java.util.List;

/**
 * Which tokens of each shard a training run has read: the windows at stream positions
 * {@code [0, windowsConsumed)} of a {@link WindowSampler}, merged into sorted, disjoint ranges. A
 * window starting at {@code s} covers tokens {@code [s, s + seqLen + 1)}: seqLen inputs and the
 * last target. From one whole epoch on, every window of every shard has been read.
 *
 * @param windowsPerEpoch windows in one pass over all shards
 * @param windowsConsumed stream position: windows read so far
 * @param shards          one entry per shard, in shard order (shards no window was taken from have no ranges)
 */
public record ConsumedTokens(long windowsPerEpoch, long windowsConsumed, List<Shard> shards) {

  /** Ranges {@code [start, end)} of one shard, sorted and disjoint; {@code windows} read from it. */
  public record Shard(int index, long tokens, long windows, List<long[]> ranges) {
    public long tokensCovered() {
      long n = 0;
      for (long[] r : ranges) {
        n += r[1] - r[0];
      }
      return n;
    }
  }

  /** What the first {@code dataPosition} windows of the sampler's stream read. */
  public static ConsumedTokens of(WindowSampler sampler, long dataPosition) {
    return new ConsumedTokens(sampler.windowsPerEpoch(), dataPosition, shardsRead(sampler, dataPosition));
  }

  private static List<Shard> shardsRead(WindowSampler sampler, long dataPosition) {
    TokenShards data = sampler.data();
    int seqLen = sampler.seqLen();
    int n = data.shardCount();
    List<Shard> out = new ArrayList<>();
    if (dataPosition >= sampler.windowsPerEpoch()) {
      for (int i = 0; i < n; i++) {
        long w = data.tokens(i) > seqLen ? (data.tokens(i) - 1) / seqLen : 0;
        out.add(new Shard(i, data.tokens(i), w, w == 0 ? List.of() : List.<long[]>of(new long[] {0, w * seqLen + 1})));
      }
      return out;
    }
    List<List<Long>> starts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      starts.add(new ArrayList<>());
    }
    for (long k = 0; k < dataPosition; k++) {
      long[] at = sampler.locate(k);
      starts.get((int) at[0]).add(at[1]);
    }
    for (int i = 0; i < n; i++) {
      List<Long> s = starts.get(i);
      s.sort(null);
      List<long[]> merged = new ArrayList<>();
      for (long start : s) {
        long end = start + seqLen + 1;
        long[] last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
        if (last != null && last[1] >= start) {
          last[1] = Math.max(last[1], end);
        } else {
          merged.add(new long[] {start, end});
        }
      }
      out.add(new Shard(i, data.tokens(i), s.size(), merged));
    }
    return out;
  }
}
