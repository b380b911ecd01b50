package dev.pretrain.batch.curate.pii;

import java.util.Locale;
import java.util.Set;

/**
 * Finds a dotted-quad IPv4 address starting at a digit and says whether it is public.
 *
 * <p>Four decimal octets 0..255 without leading zeros (01.02.03.04 is more often a date or a section
 * than an address, and leading zeros are octal to some parsers). Dotted quads are also how versions
 * and section numbers are written, so these are not taken:
 * <ul>
 *   <li>a quad glued to a word character or a dot on the left, or followed by a word character, by
 *       '.' + word character (a fifth part: 2.6.32.1.4) or by '-' + word character (2.6.18.3-exp);
 *   <li>a quad glued to a name: pkg-1.2.3.4, Firefox/1.5.0.9, pkg==1.2.3.4;
 *   <li>a quad after a word that announces a version or a section: Version 1.9.4.4, section
 *       5.2.25.3, rv:1.8.0.9, as of 2.6.8.1, see 36.3.1.1;
 *   <li>a numbered heading: a quad opening a line, then '.' or a capitalised word, or a quoted
 *       "4.10.4.2 Title"; either end of a '~' range;
 *   <li>a quad whose first three parts are single digits (the shape of 1.5.0.9 and 2.6.8.1) unless a
 *       networking word precedes it on its line or a port or a prefix length follows it;
 *   <li>an item of a list whose previous item is a version or a section (sections 4.4.6.4 and
 *       8.12.1.4, from 2.6.32.1 to 2.6.32.12).
 * </ul>
 * Versions and clause numbers without such a cue (IEEE 802.3 clause 33.2.4.4, util-linux-ng
 * 2.13.1.1) are still taken: by their form they are addresses.
 */
final class Ipv4Matcher {

  /** Lower-case words after which a dotted quad is a version or a section number. */
  private static final Set<String> NUMBERING_WORDS = Set.of("section", "sections", "sec", "sect", "chapter",
      "clause", "clauses", "paragraph", "para", "appendix", "annex", "table", "figure", "fig", "errata",
      "erratum", "item", "step", "version", "versions", "ver", "revision", "rev", "release", "rel", "build",
      "firmware", "fw", "linux", "kernel", "v", "rv", "see", "of", "least", "level", "levels", "patch");

  /** Bound on every backward look, so that the work per candidate stays constant. */
  private static final int LOOK_BACK = 64;
  /** How far back (on the same line) a networking word makes a version-shaped quad an address. */
  private static final int ADDRESS_CUE_WINDOW = 48;
  /** Lower-case words (letters and digits) that put a dotted quad in a networking context. */
  private static final Set<String> ADDRESS_WORDS = Set.of("ip", "ipv4", "ip4", "ips", "addr", "address",
      "addresses", "host", "hosts", "server", "nameserver", "dns", "ping", "route", "gateway", "gw", "via",
      "src", "dst", "from", "inet", "peer", "client", "connect", "connection", "listen", "bind", "proxy",
      "resolves", "resolved", "whois", "blocked", "banned", "monitor", "pi4", "pis", "pisc", "pisfc", "pissc",
      "pispc", "pispfc", "ipv6", "ip6", "ffff", "netmask", "subnet", "router", "node", "remote", "local", "target");

  private Ipv4Matcher() {
  }

  /**
   * The address starting at {@code start} as an unsigned 32-bit value in the low bits, with its end
   * index in the high 32 bits; -1 when there is no well-formed, well-delimited quad there.
   */
  static long parse(String text, int start) {
    int n = text.length();
    int i = start;
    long value = 0;
    for (int part = 0; part < 4; part++) {
      if (part > 0) {
        if (i >= n || text.charAt(i) != '.') {
          return -1;
        }
        i++;
      }
      int digitsStart = i;
      int octet = 0;
      while (i < n && Chars.isDigit(text.charAt(i)) && i - digitsStart < 4) {
        octet = octet * 10 + (text.charAt(i) - '0');
        i++;
      }
      int len = i - digitsStart;
      if (len == 0 || len > 3 || octet > 255 || (len > 1 && text.charAt(digitsStart) == '0')) {
        return -1;
      }
      value = (value << 8) | octet;
    }
    if (i < n) {
      char c = text.charAt(i);
      char next = Chars.at(text, i + 1);
      if (Chars.isWord(c) || ((c == '.' || c == '-') && Chars.isWord(next)) || (c == '.' && next == '*')) {
        return -1;
      }
    }
    return ((long) i << 32) | value;
  }

  /** A public address at {@code start}, packed as {@code start << 32 | end}, or -1. */
  static long match(String text, int start) {
    char before = Chars.at(text, start - 1);
    if (Chars.isWord(before) || before == '.' || gluedToName(text, start)) {
      return -1;
    }
    long parsed = parse(text, start);
    if (parsed < 0 || !isPublic((int) parsed)) {
      return -1;
    }
    int end = (int) (parsed >>> 32);
    return readsAsNumbering(text, start, end, 2) ? -1 : ((long) start << 32) | end;
  }

  /** Whether the context makes the quad at [start, end) a version or a section number. */
  private static boolean readsAsNumbering(String text, int start, int end, int depth) {
    return afterNumberingWord(text, start) || isHeading(text, start, end) || inVersionRange(text, start, end)
        || (isVersionShaped(text, start) && !hasAddressCue(text, start, end))
        || (depth > 0 && continuesNumberList(text, start, depth));
  }

  /**
   * Whether the quad continues a list whose previous item is a version or a section: "sections
   * 4.4.6.4 and 8.12.1.4", "CXL 2.0 8.1.12.2", "from 2.6.32.1 to 2.6.32.12". The previous item is a
   * dotted number just before (across blanks, ',', '&', "and", "or", "to"); it counts when it is no
   * address at all (2.0) or a quad read as numbering itself. A private address before does not count.
   */
  private static boolean continuesNumberList(String text, int start, int depth) {
    int i = skipBack(text, start - 1);
    for (String connector : new String[] {"and", "or", "to", "&", ","}) {
      int c = i - connector.length() + 1;
      if (c > 0 && text.startsWith(connector, c) && !Chars.isWord(text.charAt(c - 1))) {
        i = skipBack(text, c - 1);
        break;
      }
    }
    int previousEnd = i + 1;
    while (i >= 0 && (Chars.isDigit(text.charAt(i)) || text.charAt(i) == '.') && previousEnd - i <= LOOK_BACK) {
      i--;
    }
    int previousStart = i + 1;
    if (previousEnd - previousStart < 3 || (i >= 0 && Chars.isWord(text.charAt(i)))
        || text.indexOf('.', previousStart) < 0 || text.indexOf('.', previousStart) >= previousEnd
        || text.charAt(previousEnd - 1) == '.') {
      return false;
    }
    long parsed = parse(text, previousStart);
    if (parsed < 0 || (int) (parsed >>> 32) != previousEnd) {
      return true; // a dotted number that is not a quad: 2.0, 6.4.3.5.1
    }
    return readsAsNumbering(text, previousStart, previousEnd, depth - 1);
  }

  private static int skipBack(String text, int i) {
    int limit = i - LOOK_BACK;
    while (i >= 0 && i > limit && (text.charAt(i) == ' ' || text.charAt(i) == '\t' || text.charAt(i) == '\n')) {
      i--;
    }
    return i;
  }

  /**
   * A version glued to what it versions: name-1.2.3.4 (a package), Firefox/1.5.0.9 (a product
   * token; //1.2.3.4 in a URL or a share name is still an address), pkg==1.2.3.4 (a pin).
   */
  private static boolean gluedToName(String text, int start) {
    char before = Chars.at(text, start - 1);
    char twoBefore = Chars.at(text, start - 2);
    return ((before == '-' || before == '/') && Chars.isWord(twoBefore)) || (before == '=' && twoBefore == '=');
  }

  /** A numbered heading: the quad opens a line and is followed by '.' or by a capitalised word. */
  private static boolean isHeading(String text, int start, int end) {
    int i = start - 1;
    while (i >= 0 && start - i <= LOOK_BACK && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
      i--;
    }
    boolean opensLine = i < 0 || text.charAt(i) == '\n';
    if (!opensLine) {
      // a quoted title: "4.10.4.2 Recommended Invalidation"
      return i == start - 1 && text.charAt(i) == '"' && Chars.at(text, end) == ' '
          && Character.isUpperCase(Chars.at(text, end + 1));
    }
    char after = Chars.at(text, end);
    char next = Chars.at(text, end + 1);
    return (after == '.' && (next == ' ' || next == '\t')) || (after == ' ' && Character.isUpperCase(next));
  }

  /** First three parts single digits (1.2.3.4, 2.6.8.1, 5.1.0.25): how versions look, rarely addresses. */
  private static boolean isVersionShaped(String text, int start) {
    return text.charAt(start + 1) == '.' && text.charAt(start + 3) == '.' && text.charAt(start + 5) == '.';
  }

  /**
   * Whether the quad reads as an address: a port or a prefix length after it (1.2.3.4:80, 8.8.8.8/32),
   * or a networking word among the words before it on its line (ping 8.8.8.8, nameserver 1.1.1.1,
   * IPv4: 1.1.1.10, mon_addr=1.2.3.4, %pI4 1.2.3.4).
   */
  private static boolean hasAddressCue(String text, int start, int end) {
    char after = Chars.at(text, end);
    if ((after == ':' || after == '/') && Chars.isDigit(Chars.at(text, end + 1))) {
      return true;
    }
    int from = Math.max(0, start - ADDRESS_CUE_WINDOW);
    int i = from;
    for (int j = start - 1; j >= from; j--) {
      if (text.charAt(j) == '\n') {
        i = j + 1; // the cue must be on the quad's line
        break;
      }
    }
    while (i < start) {
      while (i < start && !Chars.isAsciiLetter(text.charAt(i))) {
        i++;
      }
      int wordStart = i;
      while (i < start && (Chars.isAsciiLetter(text.charAt(i)) || Chars.isDigit(text.charAt(i)))) {
        i++;
      }
      String word = text.substring(wordStart, i).toLowerCase(Locale.ROOT);
      if (i > wordStart && ADDRESS_WORDS.contains(word)) {
        return true;
      }
    }
    return false;
  }

  /** One end of a version range written with '~' (2.0.0.0 ~ 2.0.4.2). */
  private static boolean inVersionRange(String text, int start, int end) {
    return text.startsWith(" ~ ", end) || (start >= 3 && text.startsWith(" ~ ", start - 3));
  }

  /**
   * False for the special-purpose ranges of RFC 6890 and the IANA registry: "this network" 0/8,
   * private 10/8, 172.16/12 and 192.168/16, shared 100.64/10, loopback 127/8, link-local 169.254/16,
   * IETF protocol 192.0.0/24, the documentation nets 192.0.2/24, 198.51.100/24 and 203.0.113/24,
   * 6to4 relay 192.88.99/24, benchmarking 198.18/15, multicast 224/4, reserved 240/4 and broadcast.
   */
  static boolean isPublic(int address) {
    int a = address >>> 24;
    int b = (address >>> 16) & 0xff;
    int c = (address >>> 8) & 0xff;
    if (a == 0 || a == 10 || a == 127 || a >= 224) {
      return false;
    }
    if ((a == 100 && (b & 0xc0) == 64) || (a == 169 && b == 254) || (a == 172 && (b & 0xf0) == 16)
        || (a == 192 && b == 168) || (a == 198 && (b & 0xfe) == 18)) {
      return false;
    }
    return !((a == 192 && b == 0 && (c == 0 || c == 2)) || (a == 192 && b == 88 && c == 99)
        || (a == 198 && b == 51 && c == 100) || (a == 203 && b == 0 && c == 113));
  }

  /** Whether the word before the quad (across blanks, '(', '#', '-', ':' or '§') is a numbering word. */
  private static boolean afterNumberingWord(String text, int start) {
    int i = start - 1;
    int skipped = 0;
    while (i >= 0 && skipped < 12 && " \t\n\r(#-§:".indexOf(text.charAt(i)) >= 0) {
      if (text.charAt(i) == '§') {
        return true;
      }
      i--;
      skipped++;
    }
    int wordEnd = i + 1;
    while (i >= 0 && Chars.isAsciiLetter(text.charAt(i)) && wordEnd - i <= 12) {
      i--;
    }
    int wordStart = i + 1;
    if (wordStart == wordEnd || wordEnd - wordStart > 11 || (i >= 0 && Chars.isWord(text.charAt(i)))) {
      return false;
    }
    return NUMBERING_WORDS.contains(text.substring(wordStart, wordEnd).toLowerCase(Locale.ROOT));
  }
}
