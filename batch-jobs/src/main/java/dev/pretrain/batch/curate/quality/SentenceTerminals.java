package dev.pretrain.batch.curate.quality;

import java.util.Arrays;

/**
 * Characters that end a sentence: Unicode's Sentence_Terminal property (the Unicode 15 list) plus the
 * three Khmer signs U+17D6, U+17D9 and U+17DA, which is the set datatrove's FineWeb filter checks line
 * ends against. Java 17 has no query for that property, hence the list.
 */
final class SentenceTerminals {

  private static final int[] CODE_POINTS = {
    0x21, 0x2e, 0x3f, 0x589, 0x61d, 0x61e, 0x61f, 0x6d4, 0x700, 0x701, 0x702, 0x7f9, 0x837, 0x839, 0x83d,
    0x83e, 0x964, 0x965, 0x104a, 0x104b, 0x1362, 0x1367, 0x1368, 0x166e, 0x1735, 0x1736, 0x17d4, 0x17d5,
    0x17d6, 0x17d9, 0x17da, 0x1803, 0x1809, 0x1944, 0x1945, 0x1aa8, 0x1aa9, 0x1aaa, 0x1aab, 0x1b4e, 0x1b4f,
    0x1b5a, 0x1b5b, 0x1b5e, 0x1b5f, 0x1b7d, 0x1b7e, 0x1b7f, 0x1c3b, 0x1c3c, 0x1c7e, 0x1c7f, 0x2024, 0x203c,
    0x203d, 0x2047, 0x2048, 0x2049, 0x2cf9, 0x2cfa, 0x2cfb, 0x2e2e, 0x2e3c, 0x2e53, 0x2e54, 0x2e60, 0x2e61,
    0x3002, 0xa4ff, 0xa60e, 0xa60f, 0xa6f3, 0xa6f7, 0xa876, 0xa877, 0xa8ce, 0xa8cf, 0xa92f, 0xa9c8, 0xa9c9,
    0xaa5d, 0xaa5e, 0xaa5f, 0xaaf0, 0xaaf1, 0xabeb, 0xfe12, 0xfe15, 0xfe16, 0xfe52, 0xfe56, 0xfe57, 0xff01,
    0xff0e, 0xff1f, 0xff61, 0x10a56, 0x10a57, 0x10f55, 0x10f56, 0x10f57, 0x10f58, 0x10f59, 0x10f86, 0x10f87,
    0x10f88, 0x10f89, 0x11047, 0x11048, 0x110be, 0x110bf, 0x110c0, 0x110c1, 0x11141, 0x11142, 0x11143,
    0x111c5, 0x111c6, 0x111cd, 0x111de, 0x111df, 0x11238, 0x11239, 0x1123b, 0x1123c, 0x112a9, 0x113d4,
    0x113d5, 0x1144b, 0x1144c, 0x115c2, 0x115c3, 0x115c9, 0x115ca, 0x115cb, 0x115cc, 0x115cd, 0x115ce,
    0x115cf, 0x115d0, 0x115d1, 0x115d2, 0x115d3, 0x115d4, 0x115d5, 0x115d6, 0x115d7, 0x11641, 0x11642,
    0x1173c, 0x1173d, 0x1173e, 0x11944, 0x11946, 0x11a42, 0x11a43, 0x11a9b, 0x11a9c, 0x11c41, 0x11c42,
    0x11ef7, 0x11ef8, 0x11f43, 0x11f44, 0x16a6e, 0x16a6f, 0x16af5, 0x16b37, 0x16b38, 0x16b44, 0x16d6e,
    0x16d6f, 0x16e98, 0x1bc9f, 0x1da88
  };

  private SentenceTerminals() {}

  static boolean is(int codePoint) {
    if (codePoint < 0x80) {
      return codePoint == '.' || codePoint == '!' || codePoint == '?';
    }
    return codePoint >= 0x589 && Arrays.binarySearch(CODE_POINTS, codePoint) >= 0;
  }

  /** Whether text[from, to) ends with a sentence terminal (the raw last character, no trimming). */
  static boolean endsWithOne(String text, int from, int to) {
    return to > from && is(text.codePointBefore(to));
  }

  /**
   * Sentences in one line, approximating a rule-based sentencizer on word tokens: a new sentence starts
   * at the first word after a terminal that ends a token. A '.' inside a token (3.14, foo.bar, e.g.) or
   * in a run of dots ("...") ends none. A line with no word counts 0.
   */
  static int count(String text, int from, int to) {
    int sentences = 0;
    boolean pendingBreak = true; // the first word starts the first sentence
    boolean tokenHadInnerDot = false;
    int i = from;
    while (i < to) {
      int cp = text.codePointAt(i);
      int next = i + Character.charCount(cp);
      if (WordSplitter.isWordChar(cp)) {
        if (pendingBreak) {
          sentences++;
          pendingBreak = false;
        }
      } else if (cp == '.') {
        int runEnd = next;
        while (runEnd < to && text.charAt(runEnd) == '.') {
          runEnd++;
        }
        boolean inner = runEnd == next && next < to && i > from
            && WordSplitter.isWordChar(text.codePointBefore(i)) && WordSplitter.isWordChar(text.codePointAt(next));
        if (inner) {
          tokenHadInnerDot = true;
        } else if (runEnd == next && !tokenHadInnerDot) {
          pendingBreak = true;
        }
        next = runEnd;
      } else if (is(cp)) {
        pendingBreak = true;
      }
      if (cp != '.' && !WordSplitter.isWordChar(cp)) {
        tokenHadInnerDot = false;
      }
      i = next;
    }
    return sentences;
  }
}
