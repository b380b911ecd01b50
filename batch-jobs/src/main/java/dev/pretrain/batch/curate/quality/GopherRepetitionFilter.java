package dev.pretrain.batch.curate.quality;

/**
 * Gopher's repetition heuristics (Rae et al. 2021, table A1, as datatrove's GopherRepetitionFilter):
 * duplicate paragraphs and lines, the most frequent 2..4-gram, and repeated 5..10-grams, each as a
 * fraction of the text's characters. Lines, paragraphs and n-grams are compared by 64-bit hashes, not
 * strings. A NaN threshold switches its rule off.
 */
final class GopherRepetitionFilter {

  static final String PREFIX = "gopher_repetition.";

  private final double maxDupParaFrac;
  private final double maxDupParaCharFrac;
  private final double maxDupLineFrac;
  private final double maxDupLineCharFrac;
  /** Index n holds the bound for the top n-gram (n = 2..4), NaN where unused. */
  private final double[] maxTopNgramCharFrac;
  /** Index n holds the bound for duplicate n-grams (n = 5..10), NaN where unused. */
  private final double[] maxDupNgramCharFrac;

  GopherRepetitionFilter(double maxDupParaFrac, double maxDupParaCharFrac, double maxDupLineFrac,
      double maxDupLineCharFrac, double[] maxTopNgramCharFrac, double[] maxDupNgramCharFrac) {
    this.maxDupParaFrac = maxDupParaFrac;
    this.maxDupParaCharFrac = maxDupParaCharFrac;
    this.maxDupLineFrac = maxDupLineFrac;
    this.maxDupLineCharFrac = maxDupLineCharFrac;
    this.maxTopNgramCharFrac = maxTopNgramCharFrac.clone();
    this.maxDupNgramCharFrac = maxDupNgramCharFrac.clone();
  }

  boolean check(String text, Words words, VerdictSink sink) {
    if (text.isEmpty()) {
      return sink.failed(new RuleVerdict(PREFIX + "empty", 0, "> 0 chars"));
    }
    double length = text.length();
    Duplicates paragraphs = Duplicates.paragraphs(text);
    if (ratioFails("dup_para_frac", (double) paragraphs.duplicates / paragraphs.elements, maxDupParaFrac, sink)
        || ratioFails("dup_para_char_frac", paragraphs.duplicateChars / length, maxDupParaCharFrac, sink)) {
      return false;
    }
    Duplicates lines = Duplicates.lines(text);
    if (ratioFails("dup_line_frac", (double) lines.duplicates / lines.elements, maxDupLineFrac, sink)
        || ratioFails("dup_line_char_frac", lines.duplicateChars / length, maxDupLineCharFrac, sink)) {
      return false;
    }
    if (words.count < 2) {
      return true;
    }
    NgramHashes ngrams = new NgramHashes(words);
    LongCounter counter = new LongCounter(words.count);
    for (int n = 2; n < maxTopNgramCharFrac.length; n++) {
      if (Double.isNaN(maxTopNgramCharFrac[n]) || words.count < n) {
        continue;
      }
      if (n > 2) {
        counter.clear();
      }
      double top = ngrams.topNgramChars(n, counter) / length;
      if (ratioFails("top_" + n + "_gram_char_frac", top, maxTopNgramCharFrac[n], sink)) {
        return false;
      }
    }
    LongSet seen = new LongSet(words.count);
    long previous = -1;
    for (int n = 2; n < maxDupNgramCharFrac.length; n++) {
      if (Double.isNaN(maxDupNgramCharFrac[n])) {
        continue;
      }
      // No repeated (n-1)-gram means no repeated n-gram: every n-gram seen twice holds one
      long repeated = 0;
      if (previous != 0) {
        seen.clear();
        repeated = ngrams.repeatedNgramChars(n, seen);
      }
      previous = repeated;
      if (ratioFails("dup_" + n + "_gram_char_frac", repeated / length, maxDupNgramCharFrac[n], sink)) {
        return false;
      }
    }
    return true;
  }

  /** True when the rule failed and the sink asked to stop. */
  private static boolean ratioFails(String rule, double measured, double max, VerdictSink sink) {
    return measured > max && !sink.failed(new RuleVerdict(PREFIX + rule, measured, "<= " + Thresholds.format(max)));
  }

  /** Exact-repeat counts over lines or paragraphs: later copies of an element seen before. */
  static final class Duplicates {
    int elements;
    int duplicates;
    long duplicateChars;

    /**
     * Paragraphs: the trimmed text cut at every run of two or more LFs (datatrove: split of
     * text.strip() on \n{2,}).
     */
    static Duplicates paragraphs(String text) {
      int from = 0;
      int to = text.length();
      while (from < to && WordSplitter.isSpace(text.charAt(from))) {
        from++;
      }
      while (to > from && WordSplitter.isSpace(text.charAt(to - 1))) {
        to--;
      }
      Duplicates d = new Duplicates();
      LongCounter seen = new LongCounter(64);
      int start = from;
      int i = from;
      while (i < to) {
        if (text.charAt(i) == '\n' && i + 1 < to && text.charAt(i + 1) == '\n') {
          d.add(text, start, i, seen);
          while (i < to && text.charAt(i) == '\n') {
            i++;
          }
          start = i;
        } else {
          i++;
        }
      }
      d.add(text, start, to, seen);
      return d;
    }

    /**
     * Lines: the text cut at every run of LFs (datatrove: re.split("\n+")), so empty lines do not
     * count, except the empty piece before a leading LF or after a trailing one.
     */
    static Duplicates lines(String text) {
      int n = text.length();
      Duplicates d = new Duplicates();
      LongCounter seen = new LongCounter(64);
      int start = 0;
      int i = 0;
      while (i < n) {
        if (text.charAt(i) == '\n') {
          d.add(text, start, i, seen);
          while (i < n && text.charAt(i) == '\n') {
            i++;
          }
          start = i;
        } else {
          i++;
        }
      }
      d.add(text, start, n, seen);
      return d;
    }

    private void add(String text, int from, int to, LongCounter seen) {
      elements++;
      if (seen.increment(Hashing.span(text, from, to)) > 0) {
        duplicates++;
        duplicateChars += to - from;
      }
    }
  }

  /** Polynomial hashes of token sequences from prefix sums, so every n-gram hash costs O(1). */
  static final class NgramHashes {
    private final int count;
    private final long[] prefixHash;
    private final long[] prefixChars;

    NgramHashes(Words words) {
      count = words.count;
      prefixHash = new long[count + 1];
      prefixChars = new long[count + 1];
      for (int i = 0; i < count; i++) {
        prefixHash[i + 1] = prefixHash[i] * Hashing.NGRAM_BASE + words.hashes[i];
        prefixChars[i + 1] = prefixChars[i] + words.lengths[i];
      }
    }

    private long hash(int start, int n, long basePowN) {
      return Hashing.mix(prefixHash[start + n] - prefixHash[start] * basePowN);
    }

    private static long power(int n) {
      long p = 1;
      for (int i = 0; i < n; i++) {
        p *= Hashing.NGRAM_BASE;
      }
      return p;
    }

    /**
     * Characters of the most frequent n-gram (its words joined by single spaces) times its count; among
     * equally frequent n-grams the first to occur wins, as with Python's Counter.most_common.
     */
    long topNgramChars(int n, LongCounter counter) {
      long pow = power(n);
      int last = count - n;
      int max = 0;
      int first = 0;
      for (int i = 0; i <= last; i++) {
        long entry = counter.add(hash(i, n, pow), i);
        int seen = (int) (entry >>> 32);
        int firstIndex = (int) entry;
        if (seen > max || seen == max && firstIndex < first) {
          max = seen;
          first = firstIndex;
        }
      }
      return (prefixChars[first + n] - prefixChars[first] + n - 1) * max;
    }

    /**
     * Characters (words concatenated) of n-grams that repeat an earlier n-gram, scanning left to right
     * and skipping past each repeat so overlapping repeats are not counted twice.
     */
    long repeatedNgramChars(int n, LongSet seen) {
      long pow = power(n);
      long repeated = 0;
      int i = 0;
      while (i <= count - n) {
        if (!seen.add(hash(i, n, pow))) {
          repeated += prefixChars[i + n] - prefixChars[i];
          i += n;
        } else {
          i++;
        }
      }
      return repeated;
    }
  }
}
