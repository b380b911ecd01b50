package dev.pretrain.batch.curate.quality;

/** Formats bounds for {@link RuleVerdict#threshold()}: 50 not 50.0, 0.12 as written. */
final class Thresholds {

  private Thresholds() {}

  static String format(double bound) {
    if (bound == Math.rint(bound) && Math.abs(bound) < 1e15) {
      return Long.toString((long) bound);
    }
    return Double.toString(bound);
  }
}
