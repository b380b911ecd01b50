package dev.pretrain.batch.curate.quality;

import java.util.List;

/**
 * Splits text into word tokens in one pass over its characters, a fast stand-in for the spaCy English
 * tokenizer datatrove uses. Tokens:
 *
 * <ul>
 *   <li>a run of letters, digits, marks, '_' and format characters (ZWJ/ZWNJ), kept together across a
 *       '.' or ',' between two such characters (3.14, 1,000, foo.bar); a token with such an inner '.'
 *       also takes a final '.' (e.g., U.S.);
 *   <li>an apostrophe between two letters starts a new token (it's = it + 's, as spaCy);
 *   <li>a Han, Hiragana or Katakana character is a token by itself (those scripts do not separate words
 *       with spaces; a whole run would otherwise be one "word");
 *   <li>any other non-space character is a one-character symbol token, except runs of '.' or '-'
 *       ("...", "--"), which are one token each.
 * </ul>
 * Immutable and thread-safe; each call allocates its own {@link Words}.
 */
final class WordSplitter {

  private final String[] stopWords;
  private final long[] stopWordHashes;
  private final int minStopLength;
  private final int maxStopLength;
  private final boolean groupSymbolRuns;

  /**
   * groupSymbolRuns: a run of one repeated symbol ("=====", "****", "###") is one token, not one token a
   * character (for markup such as reStructuredText underlines, which would otherwise read as repetition).
   */
  WordSplitter(List<String> stopWords, boolean groupSymbolRuns) {
    this.groupSymbolRuns = groupSymbolRuns;
    this.stopWords = stopWords.toArray(new String[0]);
    if (this.stopWords.length > 31) {
      throw new IllegalArgumentException("at most 31 stop words");
    }
    stopWordHashes = new long[this.stopWords.length];
    int min = Integer.MAX_VALUE;
    int max = 0;
    for (int i = 0; i < this.stopWords.length; i++) {
      String w = this.stopWords[i];
      stopWordHashes[i] = Hashing.chars(w);
      min = Math.min(min, w.length());
      max = Math.max(max, w.length());
    }
    minStopLength = min;
    maxStopLength = max;
  }

  Words split(String text) {
    int n = text.length();
    Words words = new Words(Math.max(16, n / 5));
    int i = 0;
    while (i < n) {
      char c = text.charAt(i);
      if (isSpace(c)) {
        i++;
        continue;
      }
      int cp = Character.isHighSurrogate(c) ? text.codePointAt(i) : c;
      if (isIdeograph(cp)) {
        int len = Character.charCount(cp);
        emit(text, words, i, len, Hashing.span(text, i, i + len), true, true);
        i += len;
      } else if (isWordChar(cp) || isApostropheInWord(text, i, c)) {
        i = wordToken(text, i, words);
      } else {
        int end = i + Character.charCount(cp);
        if (c == '.' || c == '-' || groupSymbolRuns && end == i + 1) {
          while (end < n && text.charAt(end) == c) {
            end++;
          }
        }
        emit(text, words, i, end - i, Hashing.span(text, i, end), false, false);
        i = end;
      }
    }
    return words;
  }

  private int wordToken(String text, int start, Words words) {
    int n = text.length();
    long h = Hashing.start();
    boolean letterOrDigit = false;
    boolean alpha = false;
    boolean innerDot = false;
    int i = start;
    char first = text.charAt(i);
    if (first == '\'' || first == '\u2019') {
      h = Hashing.add(h, first);
      i++;
    }
    while (i < n) {
      char c = text.charAt(i);
      if (c < 0x80) {
        if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
          alpha = true;
          letterOrDigit = true;
        } else if (c >= '0' && c <= '9') {
          letterOrDigit = true;
        } else if (c == '_') {
          // joins, but alone is a symbol
        } else if ((c == '.' || (c == ',' && isDigitBefore(text, i))) && i > start && i + 1 < n
            && joinsAcross(c, text, i + 1)) {
          innerDot |= c == '.';
        } else {
          break;
        }
        h = Hashing.add(h, c);
        i++;
        continue;
      }
      int cp = Character.isHighSurrogate(c) ? text.codePointAt(i) : c;
      if (isIdeograph(cp) || !isWordChar(cp)) {
        break;
      }
      if (Character.isLetter(cp)) {
        alpha = true;
        letterOrDigit = true;
      } else if (Character.isDigit(cp) || Character.isLetterOrDigit(cp)) {
        letterOrDigit = true;
      } else {
        int type = Character.getType(cp);
        letterOrDigit |= type != Character.FORMAT && type != Character.CONNECTOR_PUNCTUATION;
      }
      int len = Character.charCount(cp);
      for (int k = 0; k < len; k++) {
        h = Hashing.add(h, text.charAt(i + k));
      }
      i += len;
    }
    if (innerDot && i < n && text.charAt(i) == '.') {
      h = Hashing.add(h, '.');
      i++;
    }
    emit(text, words, start, i - start, Hashing.finish(h, i - start), letterOrDigit, alpha);
    return i;
  }

  private static boolean isDigitBefore(String text, int i) {
    char p = text.charAt(i - 1);
    return p >= '0' && p <= '9';
  }

  /** A '.' joins when a word character follows; a ',' only when a digit follows (1,000). */
  private static boolean joinsAcross(char c, String text, int next) {
    int cp = text.codePointAt(next);
    if (c == ',') {
      return cp >= '0' && cp <= '9';
    }
    return isWordChar(cp) && !isIdeograph(cp) && cp != '_';
  }

  private void emit(String text, Words words, int start, int length, long hash, boolean nonSymbol, boolean alpha) {
    words.add(start, length, hash);
    if (!nonSymbol) {
      return;
    }
    words.nonSymbolCount++;
    words.nonSymbolChars += length;
    if (alpha) {
      words.alphaCount++;
    }
    if (length >= minStopLength && length <= maxStopLength) {
      for (int s = 0; s < stopWordHashes.length; s++) {
        if (stopWordHashes[s] == hash && text.regionMatches(start, stopWords[s], 0, length)
            && stopWords[s].length() == length) {
          words.stopWordMask |= 1 << s;
        }
      }
    }
  }

  private static boolean isApostropheInWord(String text, int i, char c) {
    return (c == '\'' || c == '\u2019') && i > 0 && i + 1 < text.length()
        && Character.isLetter(text.codePointBefore(i)) && Character.isLetter(text.codePointAt(i + 1));
  }

  /** Whitespace as Python's str.split sees it, plus the C0 controls ingest leaves (TAB, LF). */
  static boolean isSpace(char c) {
    if (c <= ' ') {
      return true;
    }
    return c >= 0x80 && (Character.isWhitespace(c) || Character.isSpaceChar(c));
  }

  /** Letters, digits, marks, connector punctuation ('_') and format characters (ZWJ, ZWNJ, soft hyphen). */
  static boolean isWordChar(int cp) {
    if (cp < 0x80) {
      return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z' || cp >= '0' && cp <= '9' || cp == '_';
    }
    if (Character.isLetterOrDigit(cp)) {
      return true;
    }
    int type = Character.getType(cp);
    return type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
        || type == Character.ENCLOSING_MARK || type == Character.CONNECTOR_PUNCTUATION || type == Character.FORMAT;
  }

  /** Han, Hiragana, Katakana: one token per character. */
  static boolean isIdeograph(int cp) {
    return cp >= 0x3040 && (cp <= 0x30FF || cp >= 0x31F0 && cp <= 0x31FF || cp >= 0x3400 && cp <= 0x4DBF
        || cp >= 0x4E00 && cp <= 0x9FFF || cp >= 0xF900 && cp <= 0xFAFF || cp >= 0xFF66 && cp <= 0xFF9F
        || cp >= 0x20000 && cp <= 0x3FFFF);
  }
}
