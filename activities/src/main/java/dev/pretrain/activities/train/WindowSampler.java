package dev.pretrain.activities.train;

/**
 * Deterministic stream of training windows over a set of token shards.
 *
 * <p>Each shard is cut into non-overlapping windows of {@code seqLen + 1} tokens starting every
 * {@code seqLen} tokens (the last token of one window is the first of the next, so every token is
 * a target exactly once per epoch); windows never cross shards. Window {@code k} of the stream is
 * window {@code P_e(k mod W)} of epoch {@code e = k / W}, where {@code W} is the number of windows
 * and {@code P_e} a pseudo-random permutation of {@code [0, W)} keyed by (seed, epoch): a 4-round
 * Feistel network with cycle walking, so no permutation table is held however large the data.
 *
 * <p>The sampler's whole state is one number, the stream position (windows consumed), which is
 * saved in checkpoints: resuming at the same position replays the same stream.
 */
public final class WindowSampler {

  private final TokenShards data;
  private final int seqLen;
  private final long seed;
  private final long[] firstWindow; // prefix sums of windows per shard
  private final long windows;
  private final int halfBits;

  public WindowSampler(TokenShards data, int seqLen, long seed) {
    if (seqLen < 1) {
      throw new IllegalArgumentException("seqLen must be >= 1");
    }
    this.data = data;
    this.seqLen = seqLen;
    this.seed = seed;
    firstWindow = new long[data.shardCount() + 1];
    for (int i = 0; i < data.shardCount(); i++) {
      long w = data.tokens(i) > seqLen ? (data.tokens(i) - 1) / seqLen : 0;
      firstWindow[i + 1] = firstWindow[i] + w;
    }
    windows = firstWindow[data.shardCount()];
    if (windows == 0) {
      throw new IllegalArgumentException("no shard holds a window of " + (seqLen + 1) + " tokens ("
          + data.totalTokens() + " tokens in " + data.shardCount() + " shards)");
    }
    int bits = 64 - Long.numberOfLeadingZeros(Math.max(windows - 1, 1));
    halfBits = Math.max(1, (bits + 1) / 2);
  }

  public long windowsPerEpoch() {
    return windows;
  }

  public int seqLen() {
    return seqLen;
  }

  /** The shards the windows are cut from. */
  public TokenShards data() {
    return data;
  }

  /**
   * Fills {@code batch} windows starting at stream position {@code position}: inputs are the first
   * {@code seqLen} tokens of each window, targets the last {@code seqLen} (row-major {@code [batch, seqLen]}).
   */
  public void fill(long position, int batch, long[] inputs, long[] targets) {
    long[] window = new long[seqLen + 1];
    for (int b = 0; b < batch; b++) {
      long k = position + b;
      long w = permute(k % windows, k / windows);
      int shard = shardOf(w);
      data.read(shard, (w - firstWindow[shard]) * seqLen, window, 0, seqLen + 1);
      System.arraycopy(window, 0, inputs, b * seqLen, seqLen);
      System.arraycopy(window, 1, targets, b * seqLen, seqLen);
    }
  }

  /** Shard and token offset of the window at a stream position (for lineage and tests). */
  public long[] locate(long position) {
    long w = permute(position % windows, position / windows);
    int shard = shardOf(w);
    return new long[] {shard, (w - firstWindow[shard]) * seqLen};
  }

  private int shardOf(long w) {
    int lo = 0;
    int hi = firstWindow.length - 2;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (firstWindow[mid] <= w) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  /** Bijection on [0, windows): Feistel on 2*halfBits bits, re-applied until the value lands inside. */
  long permute(long index, long epoch) {
    long mask = (1L << halfBits) - 1;
    long x = index;
    do {
      long left = x >>> halfBits;
      long right = x & mask;
      for (int round = 0; round < 4; round++) {
        long key = mix(seed ^ mix(epoch * 4 + round + 0x632BE59BD9B4E019L));
        long next = left ^ (mix(right ^ key) & mask);
        left = right;
        right = next;
      }
      x = (left << halfBits) | right;
    } while (x >= windows);
    return x;
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
