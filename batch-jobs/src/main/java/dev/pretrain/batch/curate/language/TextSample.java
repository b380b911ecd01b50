package dev.pretrain.batch.curate.language;

/**
 * The bounded part of a text that language identification classifies, so that its cost per document
 * does not grow with the document: the whole text when it is short, else a few windows spread over
 * it, each made of whole tokens (runs between whitespace).
 *
 * <p>Optionally only the tokens that look like words of a language are taken (see {@link
 * #isWordLike}): URLs, e-mail addresses, paths, identifiers and numbers say nothing about the
 * language, and in technical documents they would fill much of a sample. The windows then scan
 * further (up to {@link #SCAN_FACTOR} times their length) to fill their share with words.
 */
final class TextSample {

  /** How far a window scans for words, in multiples of its length; bounds the cost of a sample. */
  static final int SCAN_FACTOR = 4;

  private static final String NON_WORD_CHARS = "/\\@_<>=|#$%^*~`+&{}[]";

  private TextSample() {}

  /**
   * @param maxChars  the sample's length bound (chars), at least {@code windows}
   * @param windows   how many windows a long text is sampled with; window i starts at i/windows of the
   *                  text (1: a prefix; 3: the start, a third and two thirds in)
   * @param wordsOnly whether tokens that are not word-like are left out
   * @return at most {@code maxChars} chars: the text's tokens (all, or the word-like ones) when the
   *     text has at most {@code maxChars} chars, else the windows' tokens; tokens are separated by a
   *     space, windows by a newline
   */
  static String of(String text, int maxChars, int windows, boolean wordsOnly) {
    if (windows < 1 || maxChars < windows) {
      throw new IllegalArgumentException("need maxChars >= windows >= 1, got " + maxChars + ", " + windows);
    }
    if (text.length() <= maxChars) {
      StringBuilder all = new StringBuilder(text.length());
      appendTokens(all, text, 0, text.length(), maxChars, wordsOnly);
      return all.toString();
    }
    int width = (maxChars - (windows - 1)) / windows;
    int scan = wordsOnly ? SCAN_FACTOR * width : width;
    StringBuilder sample = new StringBuilder(maxChars);
    for (int i = 0; i < windows; i++) {
      int start = (int) ((long) text.length() * i / windows);
      int end = (int) Math.min(text.length(), (long) start + scan);
      if (i > 0) {
        sample.append('\n');
      }
      appendTokens(sample, text, start, end, width, wordsOnly);
    }
    return sample.toString();
  }

  /**
   * Appends the whole tokens of text[start, end) (a token cut by either edge is left out), up to
   * {@code width} chars. A token longer than the whole window (a script written without spaces) is
   * cut to it, at a code point boundary, and taken whether word-like or not.
   */
  private static void appendTokens(StringBuilder out, String text, int start, int end, int width, boolean wordsOnly) {
    int taken = 0;
    int i = start;
    if (i > 0 && !Character.isWhitespace(text.charAt(i - 1))) {
      int tail = nextWhitespace(text, i, end);
      // inside a token: skip its tail, unless it fills the window (a script written without spaces)
      i = tail < end ? tail : Character.isLowSurrogate(text.charAt(i)) ? i + 1 : i;
    }
    while (i < end && taken < width) {
      if (Character.isWhitespace(text.charAt(i))) {
        i++;
        continue;
      }
      int tokenEnd = nextWhitespace(text, i, text.length());
      boolean cutByEdge = tokenEnd > end;
      int length = tokenEnd - i;
      if (length > width && taken == 0) {
        int cut = i + width;
        if (Character.isLowSurrogate(text.charAt(cut)) && Character.isHighSurrogate(text.charAt(cut - 1))) {
          cut--;
        }
        out.append(text, i, cut); // not filtered: such a "token" is a run of text, not a word
        return;
      }
      if (cutByEdge || taken + (taken > 0 ? 1 : 0) + length > width) {
        return;
      }
      if (!wordsOnly || isWordLike(text, i, tokenEnd)) {
        if (taken > 0) {
          out.append(' ');
          taken++;
        }
        out.append(text, i, tokenEnd);
        taken += length;
      }
      i = tokenEnd;
    }
  }

  /**
   * Whether text[start, end) can be a word of a language: it has no digit, none of {@code / \ @ _ <
   * > = | # $ % ^ * ~ ` + & { } [ ]}, and no colon or full stop followed by a letter ("end." and
   * "Description:" are words, "e.g.", "file.rst" and "http://..." are not).
   */
  static boolean isWordLike(String text, int start, int end) {
    for (int i = start; i < end; i++) {
      char c = text.charAt(i);
      if (Character.isDigit(c) || NON_WORD_CHARS.indexOf(c) >= 0) {
        return false;
      }
      if ((c == ':' || c == '.') && i + 1 < end && Character.isLetter(text.charAt(i + 1))) {
        return false;
      }
    }
    return true;
  }

  private static int nextWhitespace(String text, int from, int limit) {
    int i = from;
    while (i < limit && !Character.isWhitespace(text.charAt(i))) {
      i++;
    }
    return i;
  }
}
