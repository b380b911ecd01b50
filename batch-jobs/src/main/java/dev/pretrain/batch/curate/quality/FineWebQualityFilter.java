package dev.pretrain.batch.curate.quality;

/**
 * FineWeb's own heuristics (Penedo et al. 2024, datatrove's FineWebQualityFilter), over the lines that
 * are not blank, each taken raw (not trimmed): the share ending in a sentence terminal, the share of
 * short lines, the characters in repeated lines, and LFs per word. A NaN threshold switches its rule off.
 */
final class FineWebQualityFilter {

  static final String PREFIX = "fineweb.";

  private final double minLinePunctRatio;
  private final double maxShortLineRatio;
  private final int shortLineLength;
  private final double maxCharDupRatio;
  private final double maxNewlineWordRatio;

  FineWebQualityFilter(double minLinePunctRatio, double maxShortLineRatio, int shortLineLength,
      double maxCharDupRatio, double maxNewlineWordRatio) {
    this.minLinePunctRatio = minLinePunctRatio;
    this.maxShortLineRatio = maxShortLineRatio;
    this.shortLineLength = shortLineLength;
    this.maxCharDupRatio = maxCharDupRatio;
    this.maxNewlineWordRatio = maxNewlineWordRatio;
  }

  /** wordCount: tokens of this text by {@link WordSplitter}. */
  boolean check(String text, int wordCount, VerdictSink sink) {
    int n = text.length();
    int lines = 0;
    int punctLines = 0;
    int shortLines = 0;
    int newlines = 0;
    long dupChars = 0;
    LongCounter seen = new LongCounter(64);
    int start = 0;
    for (int i = 0; i <= n; i++) {
      if (i < n && text.charAt(i) != '\n') {
        continue;
      }
      if (i < n) {
        newlines++;
      }
      if (!isBlank(text, start, i)) {
        lines++;
        if (SentenceTerminals.endsWithOne(text, start, i)) {
          punctLines++;
        }
        if (i - start <= shortLineLength) {
          shortLines++;
        }
        if (seen.increment(Hashing.span(text, start, i)) > 0) {
          dupChars += i - start;
        }
      }
      start = i + 1;
    }
    if (lines == 0) {
      return sink.failed(new RuleVerdict(PREFIX + "empty", 0, ">= 1 non-blank line"));
    }
    double punct = (double) punctLines / lines;
    if (punct < minLinePunctRatio && !sink.failed(verdict("line_punct_ratio", punct, ">= ", minLinePunctRatio))) {
      return false;
    }
    double shortRatio = (double) shortLines / lines;
    if (shortRatio > maxShortLineRatio
        && !sink.failed(verdict("short_line_ratio", shortRatio, "<= ", maxShortLineRatio))) {
      return false;
    }
    double dupRatio = (double) dupChars / (n - newlines);
    if (dupRatio > maxCharDupRatio && !sink.failed(verdict("char_dup_ratio", dupRatio, "<= ", maxCharDupRatio))) {
      return false;
    }
    double newlineRatio = wordCount == 0 ? Double.POSITIVE_INFINITY : (double) newlines / wordCount;
    return !(newlineRatio > maxNewlineWordRatio)
        || sink.failed(verdict("newline_word_ratio", newlineRatio, "<= ", maxNewlineWordRatio));
  }

  private static boolean isBlank(String text, int from, int to) {
    for (int i = from; i < to; i++) {
      if (!WordSplitter.isSpace(text.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static RuleVerdict verdict(String rule, double measured, String op, double bound) {
    return new RuleVerdict(PREFIX + rule, measured, op + Thresholds.format(bound));
  }
}
