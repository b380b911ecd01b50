package dev.pretrain.batch.curate.quality;

/**
 * Gopher's document quality heuristics (Rae et al. 2021, as datatrove's GopherQualityFilter applies them),
 * checked in datatrove's order. A threshold of NaN switches its rule off (every comparison with NaN is false).
 */
final class GopherQualityFilter {

  static final String PREFIX = "gopher_quality.";

  private final double minWords;
  private final double maxWords;
  private final double minMeanWordLength;
  private final double maxMeanWordLength;
  private final double maxHashRatio;
  private final double maxEllipsisRatio;
  private final double maxBulletLinesRatio;
  private final double maxEllipsisLinesRatio;
  private final double minAlphaWordsRatio;
  private final double minStopWords;

  GopherQualityFilter(double minWords, double maxWords, double minMeanWordLength, double maxMeanWordLength,
      double maxHashRatio, double maxEllipsisRatio, double maxBulletLinesRatio, double maxEllipsisLinesRatio,
      double minAlphaWordsRatio, double minStopWords) {
    this.minWords = minWords;
    this.maxWords = maxWords;
    this.minMeanWordLength = minMeanWordLength;
    this.maxMeanWordLength = maxMeanWordLength;
    this.maxHashRatio = maxHashRatio;
    this.maxEllipsisRatio = maxEllipsisRatio;
    this.maxBulletLinesRatio = maxBulletLinesRatio;
    this.maxEllipsisLinesRatio = maxEllipsisLinesRatio;
    this.minAlphaWordsRatio = minAlphaWordsRatio;
    this.minStopWords = minStopWords;
  }

  /** Returns false when the sink asked to stop. */
  boolean check(String text, Words words, VerdictSink sink) {
    // Word counts and mean length are over non-symbol tokens; the ratios below divide by all tokens.
    int wordCount = words.nonSymbolCount;
    if (wordCount < minWords && !sink.failed(verdict("word_count", wordCount, ">= ", minWords))) {
      return false;
    }
    if (wordCount > maxWords && !sink.failed(verdict("word_count", wordCount, "<= ", maxWords))) {
      return false;
    }
    if (wordCount > 0) {
      double mean = (double) words.nonSymbolChars / wordCount;
      if (mean < minMeanWordLength && !sink.failed(verdict("mean_word_length", mean, ">= ", minMeanWordLength))) {
        return false;
      }
      if (mean > maxMeanWordLength && !sink.failed(verdict("mean_word_length", mean, "<= ", maxMeanWordLength))) {
        return false;
      }
    }
    if (words.count == 0) {
      return true;
    }
    LineCounts lines = LineCounts.of(text);
    double hashRatio = (double) lines.hashes / words.count;
    if (hashRatio > maxHashRatio && !sink.failed(verdict("hash_ratio", hashRatio, "<= ", maxHashRatio))) {
      return false;
    }
    double ellipsisRatio = (double) lines.ellipses / words.count;
    if (ellipsisRatio > maxEllipsisRatio
        && !sink.failed(verdict("ellipsis_ratio", ellipsisRatio, "<= ", maxEllipsisRatio))) {
      return false;
    }
    if (lines.lines > 0) {
      double bullets = (double) lines.bulletLines / lines.lines;
      if (bullets > maxBulletLinesRatio
          && !sink.failed(verdict("bullet_lines_ratio", bullets, "<= ", maxBulletLinesRatio))) {
        return false;
      }
      double endEllipsis = (double) lines.ellipsisLines / lines.lines;
      if (endEllipsis > maxEllipsisLinesRatio
          && !sink.failed(verdict("ellipsis_lines_ratio", endEllipsis, "<= ", maxEllipsisLinesRatio))) {
        return false;
      }
    }
    double alpha = (double) words.alphaCount / words.count;
    if (alpha < minAlphaWordsRatio && !sink.failed(verdict("alpha_words_ratio", alpha, ">= ", minAlphaWordsRatio))) {
      return false;
    }
    int stopWords = Integer.bitCount(words.stopWordMask);
    return !(stopWords < minStopWords) || sink.failed(verdict("stop_words", stopWords, ">= ", minStopWords));
  }

  static RuleVerdict verdict(String rule, double measured, String op, double bound) {
    return new RuleVerdict(PREFIX + rule, measured, op + Thresholds.format(bound));
  }

  /**
   * One pass over the characters: '#' and ellipsis counts, and lines as Python's splitlines gives them
   * for LF-only text (a final LF opens no extra line; empty lines count).
   */
  static final class LineCounts {
    int hashes;
    int ellipses;
    int lines;
    int bulletLines;
    int ellipsisLines;

    static LineCounts of(String text) {
      LineCounts counts = new LineCounts();
      int n = text.length();
      int lineStart = 0;
      int dots = 0;
      for (int i = 0; i < n; i++) {
        char c = text.charAt(i);
        if (c == '.') {
          // str.count("...") counts non-overlapping runs of three
          if (++dots == 3) {
            counts.ellipses++;
            dots = 0;
          }
          continue;
        }
        dots = 0;
        if (c == '#') {
          counts.hashes++;
        } else if (c == '\u2026') {
          counts.ellipses++;
        } else if (c == '\n') {
          counts.line(text, lineStart, i);
          lineStart = i + 1;
        }
      }
      if (lineStart < n) {
        counts.line(text, lineStart, n);
      }
      return counts;
    }

    private void line(String text, int from, int to) {
      lines++;
      int s = from;
      while (s < to && WordSplitter.isSpace(text.charAt(s))) {
        s++;
      }
      int e = to;
      while (e > s && WordSplitter.isSpace(text.charAt(e - 1))) {
        e--;
      }
      if (s < e && (text.charAt(s) == '\u2022' || text.charAt(s) == '-')) {
        bulletLines++;
      }
      if (e > s && (text.charAt(e - 1) == '\u2026' || e - s >= 3 && text.startsWith("...", e - 3))) {
        ellipsisLines++;
      }
    }
  }
}
