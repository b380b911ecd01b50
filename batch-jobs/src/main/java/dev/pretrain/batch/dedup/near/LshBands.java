package dev.pretrain.batch.dedup.near;

/**
 * Locality-sensitive hashing over MinHash signatures: the signature is cut into {@code bands} bands
 * of {@code rows} values; two documents become candidates when they agree on every value of at least
 * one band. For Jaccard similarity s that happens with probability {@code 1 - (1 - s^rows)^bands}, an
 * S-curve whose steepest point is near {@code (1/bands)^(1/rows)}.
 *
 * @param bands how many bands (bucket keys per document)
 * @param rows  signature values per band
 */
public record LshBands(int bands, int rows) {

  /** 112 hashes as 14 bands of 8 rows: the S-curve's midpoint is about 0.72. */
  public static final LshBands DEFAULT = new LshBands(14, 8);

  public LshBands {
    if (bands < 1 || rows < 1) {
      throw new IllegalArgumentException("bands and rows must be positive: " + bands + " x " + rows);
    }
  }

  public int hashes() {
    return bands * rows;
  }

  /** Where the S-curve is steepest, about where candidates start: {@code (1/bands)^(1/rows)}. */
  public double threshold() {
    return Math.pow(1.0 / bands, 1.0 / rows);
  }

  /** The probability that two documents of Jaccard similarity {@code s} share at least one band. */
  public double candidateProbability(double s) {
    return 1 - Math.pow(1 - Math.pow(s, rows), bands);
  }

  /**
   * The bands and rows (their product at most {@code maxHashes}) that best separate pairs around a
   * requested threshold: minimizing the weighted area of false positives (similarity below the
   * threshold, yet candidates) plus false negatives (above it, yet not), integrated over similarity.
   * Equal weights by default; a higher {@code falseNegativeWeight} favours recall.
   */
  public static LshBands forThreshold(double threshold, int maxHashes, double falsePositiveWeight,
      double falseNegativeWeight) {
    if (!(threshold > 0 && threshold < 1)) {
      throw new IllegalArgumentException("a threshold between 0 and 1, not " + threshold);
    }
    LshBands best = null;
    double bestError = Double.MAX_VALUE;
    for (int b = 1; b <= maxHashes; b++) {
      for (int r = 1; b * r <= maxHashes; r++) {
        LshBands c = new LshBands(b, r);
        double error = falsePositiveWeight * c.falsePositiveArea(threshold)
            + falseNegativeWeight * c.falseNegativeArea(threshold);
        if (error < bestError - 1e-12) {
          bestError = error;
          best = c;
        }
      }
    }
    return best;
  }

  /** {@link #forThreshold(double, int, double, double)} with equal weights. */
  public static LshBands forThreshold(double threshold, int maxHashes) {
    return forThreshold(threshold, maxHashes, 0.5, 0.5);
  }

  double falsePositiveArea(double threshold) {
    return integrate(0, threshold, false);
  }

  double falseNegativeArea(double threshold) {
    return integrate(threshold, 1, true);
  }

  // Simpson's rule: the curves are smooth, 256 intervals are plenty
  private double integrate(double from, double to, boolean misses) {
    int n = 256;
    double h = (to - from) / n;
    double sum = 0;
    for (int i = 0; i <= n; i++) {
      double s = from + i * h;
      double p = candidateProbability(s);
      double f = misses ? 1 - p : p;
      sum += f * (i == 0 || i == n ? 1 : (i % 2 == 1 ? 4 : 2));
    }
    return sum * h / 3;
  }

  /**
   * The bucket key of band {@code band} of a signature: a 64-bit hash of the band's index and its
   * {@link #rows} values. Equal keys mean (but for a 2^-64 chance) equal band values.
   */
  public long bucketKey(long[] signature, int band) {
    if (signature.length < hashes()) {
      throw new IllegalArgumentException("a signature of " + signature.length + " values for " + bands + " x " + rows);
    }
    long h = Shingler.mix(band + 0x632BE59BD9B4E019L);
    int from = band * rows;
    for (int i = from; i < from + rows; i++) {
      h = Shingler.mix(h ^ signature[i]) + i;
    }
    return h;
  }
}
