package dev.pretrain.batch.tokenize.fast;

/**
 * Character classes of the pre-tokenizer patterns and the two scanners. A code point is a letter
 * ({@code \p{L}}), a number ({@code \p{N}}), white space ({@code \s} under UNICODE_CHARACTER_CLASS:
 * the White_Space property), or other; {@code \r} and {@code \n} carry an extra bit.
 */
final class CharClass {

  static final byte OTHER = 0;
  static final byte LETTER = 1;
  static final byte NUMBER = 2;
  static final byte SPACE = 4;
  static final byte NEWLINE = 8;

  /** Class of every BMP char; surrogates are OTHER here and resolved as pairs by {@link #classAt}. */
  private static final byte[] BMP = new byte[65536];

  static {
    for (int c = 0; c < 65536; c++) {
      BMP[c] = classOf(c);
    }
  }

  private CharClass() {}

  /** The class of one code point, from its Unicode general category and the White_Space property. */
  static byte classOf(int cp) {
    if (cp == '\r' || cp == '\n') {
      return SPACE | NEWLINE;
    }
    if (isWhiteSpace(cp)) {
      return SPACE;
    }
    switch (Character.getType(cp)) {
      case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
          Character.MODIFIER_LETTER, Character.OTHER_LETTER -> {
        return LETTER;
      }
      case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> {
        return NUMBER;
      }
      default -> {
        return OTHER;
      }
    }
  }

  /** Unicode's White_Space property: the separators (Zs, Zl, Zp), U+0009..U+000D and U+0085. */
  static boolean isWhiteSpace(int cp) {
    if ((cp >= 0x09 && cp <= 0x0D) || cp == 0x85) {
      return true;
    }
    int t = Character.getType(cp);
    return t == Character.SPACE_SEPARATOR || t == Character.LINE_SEPARATOR || t == Character.PARAGRAPH_SEPARATOR;
  }

  /** The class of the code point starting at {@code i}. */
  static int classAt(char[] s, int i, int end) {
    char c = s[i];
    if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(s[i + 1])) {
      return classOf(Character.toCodePoint(c, s[i + 1]));
    }
    return BMP[c];
  }

  /** The number of chars (1 or 2) of the code point starting at {@code i}. */
  static int width(char[] s, int i, int end) {
    return Character.isHighSurrogate(s[i]) && i + 1 < end && Character.isLowSurrogate(s[i + 1]) ? 2 : 1;
  }

  /** The end of the run of code points of class {@code cls} (exactly, bits compared with mask) from {@code i}. */
  private static int run(char[] s, int i, int end, int mask, int cls) {
    while (i < end) {
      char c = s[i];
      if (c < 0xD800) {
        if ((BMP[c] & mask) != cls) {
          return i;
        }
        i++;
      } else {
        if ((classAt(s, i, end) & mask) != cls) {
          return i;
        }
        i += width(s, i, end);
      }
    }
    return i;
  }

  private static int letters(char[] s, int i, int end) {
    return run(s, i, end, LETTER, LETTER);
  }

  /** Code points that are neither white space, letters nor numbers. */
  private static int others(char[] s, int i, int end) {
    return run(s, i, end, LETTER | NUMBER | SPACE, OTHER);
  }

  private static int spaces(char[] s, int i, int end) {
    return run(s, i, end, SPACE, SPACE);
  }

  // ---------------------------------------------------------------- r50k

  static int nextR50k(char[] s, int i, int end) {
    char c = s[i];
    if (c == '\'' && i + 1 < end) {
      char d = s[i + 1];
      if (d == 's' || d == 't' || d == 'm' || d == 'd') {
        return i + 2;
      }
      if (i + 2 < end) {
        char e = s[i + 2];
        if ((d == 'r' && e == 'e') || (d == 'v' && e == 'e') || (d == 'l' && e == 'l')) {
          return i + 3;
        }
      }
    }
    int cls = classAt(s, i, end);
    int w = width(s, i, end);
    if (cls == LETTER) {
      return letters(s, i + w, end);
    }
    if (cls == NUMBER) {
      return run(s, i + w, end, NUMBER, NUMBER);
    }
    if (cls == OTHER) {
      return others(s, i + w, end);
    }
    if (c == ' ' && i + 1 < end) {
      int cls2 = classAt(s, i + 1, end);
      int w2 = width(s, i + 1, end);
      if (cls2 == LETTER) {
        return letters(s, i + 1 + w2, end);
      }
      if (cls2 == NUMBER) {
        return run(s, i + 1 + w2, end, NUMBER, NUMBER);
      }
      if (cls2 == OTHER) {
        return others(s, i + 1 + w2, end);
      }
    }
    // \s+(?!\S)|\s+ ; every White_Space code point is a single BMP char
    int j = spaces(s, i + 1, end);
    if (j == end || j - i == 1) {
      return j;
    }
    return j - 1;
  }

  // ---------------------------------------------------------------- cl100k

  private static boolean isS(char c) {
    return c == 's' || c == 'S' || c == '\u017F'; // U+017F LATIN SMALL LETTER LONG S folds to s
  }

  static int nextCl100k(char[] s, int i, int end) {
    char c = s[i];
    if (c == '\'' && i + 1 < end) {
      char d = s[i + 1];
      if (isS(d) || d == 'd' || d == 'D' || d == 'm' || d == 'M' || d == 't' || d == 'T') {
        return i + 2;
      }
      if (i + 2 < end) {
        char e = s[i + 2];
        boolean l = d == 'l' || d == 'L';
        boolean ee = e == 'e' || e == 'E';
        if ((l && (e == 'l' || e == 'L')) || ((d == 'v' || d == 'V') && ee) || ((d == 'r' || d == 'R') && ee)) {
          return i + 3;
        }
      }
    }
    int cls = classAt(s, i, end);
    int w = width(s, i, end);
    if (cls == LETTER) {
      return letters(s, i + w, end);
    }
    if (cls == NUMBER) {
      int j = i + w;
      for (int k = 0; k < 2 && j < end && classAt(s, j, end) == NUMBER; k++) {
        j += width(s, j, end);
      }
      return j;
    }
    // [^\r\n\p{L}\p{N}]?+\p{L}+ : one char that is not a letter, number or CR/LF, then letters
    if ((cls & NEWLINE) == 0 && i + w < end && classAt(s, i + w, end) == LETTER) {
      return letters(s, i + w, end);
    }
    // ' ?[^\s\p{L}\p{N}]++[\r\n]*'
    int j = -1;
    if (cls == OTHER) {
      j = others(s, i + w, end);
    } else if (c == ' ' && i + 1 < end && classAt(s, i + 1, end) == OTHER) {
      j = others(s, i + 1 + width(s, i + 1, end), end);
    }
    if (j >= 0) {
      while (j < end && (s[j] == '\r' || s[j] == '\n')) {
        j++;
      }
      return j;
    }
    // white space: \s*[\r\n] | \s+(?!\S) | \s+ ; every White_Space code point is a single BMP char
    int lastNewline = -1;
    j = i;
    while (j < end) {
      byte b = BMP[s[j]];
      if ((b & SPACE) == 0) {
        break;
      }
      if ((b & NEWLINE) != 0) {
        lastNewline = j;
      }
      j++;
    }
    if (lastNewline >= 0) {
      return lastNewline + 1;
    }
    if (j == end || j - i == 1) {
      return j;
    }
    return j - 1;
  }
}
