package dev.pretrain.batch.curate.pii;

/** ASCII character classes shared by the matchers (non-ASCII letters count as word characters). */
final class Chars {

  private Chars() {
  }

  static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  static boolean isAsciiLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  static boolean isHex(char c) {
    return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  static int hexValue(char c) {
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
  }

  /** Letters (any script), digits and '_': what must not touch a match on either side. */
  static boolean isWord(char c) {
    return c < 128 ? isDigit(c) || isAsciiLetter(c) || c == '_' : Character.isLetterOrDigit(c);
  }

  static char at(String s, int i) {
    return i >= 0 && i < s.length() ? s.charAt(i) : '\0';
  }
}
