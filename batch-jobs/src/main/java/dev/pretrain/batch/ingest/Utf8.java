package dev.pretrain.batch.ingest;

/**
 * Strict UTF-8 validation (RFC 3629: no overlong forms, no encoded surrogates, nothing above
 * U+10FFFF), the same bytes the JDK's decoder refuses in REPORT mode, without building a String: most
 * records are valid, and the decoder (which names the bad byte) is then needed only for the others.
 */
final class Utf8 {

  private Utf8() {}

  static boolean isValid(byte[] b, int from) {
    int i = from;
    int n = b.length;
    while (i < n) {
      int c = b[i];
      if (c >= 0) { // ASCII
        i++;
        continue;
      }
      c &= 0xff;
      if (c >= 0xC2 && c <= 0xDF) {
        if (i + 1 >= n || !continuation(b[i + 1])) {
          return false;
        }
        i += 2;
      } else if (c >= 0xE0 && c <= 0xEF) {
        if (i + 2 >= n) {
          return false;
        }
        int c1 = b[i + 1] & 0xff;
        int lo = c == 0xE0 ? 0xA0 : 0x80; // E0 80..9F would be overlong
        int hi = c == 0xED ? 0x9F : 0xBF; // ED A0..BF would be a surrogate
        if (c1 < lo || c1 > hi || !continuation(b[i + 2])) {
          return false;
        }
        i += 3;
      } else if (c >= 0xF0 && c <= 0xF4) {
        if (i + 3 >= n) {
          return false;
        }
        int c1 = b[i + 1] & 0xff;
        int lo = c == 0xF0 ? 0x90 : 0x80; // F0 80..8F would be overlong
        int hi = c == 0xF4 ? 0x8F : 0xBF; // F4 90.. would be above U+10FFFF
        if (c1 < lo || c1 > hi || !continuation(b[i + 2]) || !continuation(b[i + 3])) {
          return false;
        }
        i += 4;
      } else {
        return false; // a continuation byte without a lead, C0/C1 (overlong) or F5..FF
      }
    }
    return true;
  }

  private static boolean continuation(byte b) {
    return (b & 0xC0) == 0x80;
  }
}
