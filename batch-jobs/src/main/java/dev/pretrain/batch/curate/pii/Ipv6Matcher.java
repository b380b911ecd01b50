package dev.pretrain.batch.curate.pii;

import java.util.Arrays;

/**
 * Finds an IPv6 address (RFC 4291 text forms: eight groups, "::" compression, a dotted-quad tail)
 * and says whether it is public.
 *
 * <p>Public means inside the global unicast block 2000::/3, which is all IANA hands out to networks,
 * less the documentation prefixes 2001:db8::/32 and 3fff::/20, the IETF protocol block 2001::/23
 * (Teredo, benchmarking, ORCHID, anycast services: not one host's address) and 6to4 addresses
 * (2002::/16) whose embedded IPv4 address is not public. Everything outside 2000::/3 is kept:
 * loopback, unspecified, IPv4-mapped, unique-local fc00::/7, link-local fe80::/10, multicast ff00::/8
 * and the unassigned rest. That rule also keeps the look-alikes of code and prose (a::b, dead::beef,
 * Foo::Bar, 12:30:45, MAC addresses) out, since they either do not parse or fall outside 2000::/3.
 */
final class Ipv6Matcher {

  /** Longest text form: 8 groups of 4 hex digits and 7 colons, or 6 groups and a dotted quad. */
  static final int MAX_LENGTH = 45;

  private Ipv6Matcher() {
  }

  static boolean isCandidateChar(char c) {
    return Chars.isHex(c) || c == ':';
  }

  /**
   * The public address in the run of hex digits and colons around the ':' at {@code colon}, packed
   * as {@code start << 32 | end}, or -1. The run starts after the nearest character that is neither.
   */
  static long match(String text, int colon) {
    int start = colon;
    while (start > 0 && isCandidateChar(text.charAt(start - 1)) && colon - start < MAX_LENGTH) {
      start--;
    }
    char before = Chars.at(text, start - 1);
    if (Chars.isWord(before) || before == '.' || before == ':') {
      return -1;
    }
    int[] groups = new int[8];
    int end = parse(text, start, groups);
    if (end < 0 || !isPublic(groups)) {
      return -1;
    }
    return ((long) start << 32) | end;
  }

  /**
   * Parses the address at {@code start} into its eight 16-bit groups; returns its end, or -1 when the
   * text there is not a complete, well-delimited address.
   */
  static int parse(String text, int start, int[] groups) {
    int n = text.length();
    int[] parsed = new int[8];
    int count = 0;
    int compressedAt = -1;
    int i = start;
    if (text.startsWith("::", i)) {
      compressedAt = 0;
      i += 2;
    }
    while (i < n) {
      int groupStart = i;
      int value = 0;
      while (i < n && Chars.isHex(text.charAt(i)) && i - groupStart < 5) {
        value = (value << 4) | Chars.hexValue(text.charAt(i));
        i++;
      }
      int len = i - groupStart;
      if (len == 0) {
        break; // only right after "::" (or at the very start, which then fails below)
      }
      if (len > 4) {
        return -1;
      }
      if (Chars.at(text, i) == '.' && Chars.isDigit(Chars.at(text, i + 1))) {
        // dotted-quad tail: must be the last 32 bits
        long v4 = Ipv4Matcher.parse(text, groupStart);
        if (v4 < 0 || count > 6) {
          return -1;
        }
        parsed[count++] = (int) ((v4 >>> 16) & 0xffff);
        parsed[count++] = (int) (v4 & 0xffff);
        i = (int) (v4 >>> 32);
        break;
      }
      if (count == 8) {
        return -1;
      }
      parsed[count++] = value;
      if (i + 1 < n && text.charAt(i) == ':') {
        if (text.charAt(i + 1) == ':') {
          if (compressedAt >= 0) {
            return -1;
          }
          compressedAt = count;
          i += 2;
          continue;
        }
        if (Chars.isHex(text.charAt(i + 1))) {
          i++;
          continue;
        }
      }
      break;
    }
    if (count == 0 && compressedAt < 0) {
      return -1;
    }
    if (compressedAt < 0 ? count != 8 : count > 7) {
      return -1;
    }
    if (count == 1 && compressedAt == 1 && (i >= n || Character.isWhitespace(text.charAt(i)))) {
      return -1; // "in 2004::" before a reStructuredText literal block, not the prefix 2004::
    }
    if (i < n && (Chars.isWord(text.charAt(i)) || text.charAt(i) == ':' && Chars.isHex(Chars.at(text, i + 1)))) {
      return -1;
    }
    if (compressedAt < 0) {
      System.arraycopy(parsed, 0, groups, 0, 8);
    } else {
      Arrays.fill(groups, 0);
      System.arraycopy(parsed, 0, groups, 0, compressedAt);
      int tail = count - compressedAt;
      System.arraycopy(parsed, compressedAt, groups, 8 - tail, tail);
    }
    return i;
  }

  static boolean isPublic(int[] g) {
    if ((g[0] & 0xe000) != 0x2000) {
      return false;
    }
    if (g[0] == 0x2001 && (g[1] == 0x0db8 || g[1] < 0x0200)) {
      return false;
    }
    if (g[0] == 0x3fff && g[1] < 0x1000) {
      return false;
    }
    if (g[0] == 0x2002) {
      return Ipv4Matcher.isPublic((g[1] << 16) | g[2]);
    }
    return true;
  }
}
