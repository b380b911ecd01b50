package dev.pretrain.batch.curate.pii;

import java.util.Locale;
import java.util.Set;

/**
 * Finds an e-mail address around an '@'. Hand-written rather than a regex: the local part is read
 * backwards from the '@' (at most 64 characters, RFC 5321), the domain forwards (at most 253), so the
 * work per '@' is bounded and nothing backtracks.
 *
 * <p>Local part: ASCII letters, digits and {@code . _ % + -}, not starting or ending with a dot, no
 * "..". Domain: at least two dot-separated labels of letters, digits and inner hyphens; the last one
 * (the top-level domain) is 2 to 24 letters or an IDN {@code xn--} label. A trailing dot or hyphen
 * (end of sentence) is not part of the address, nor is the 'E' of Perl POD's {@code E<gt>}. Kept
 * (not PII): the reserved names of RFC 2606 and RFC 6761 (example.com/.net/.org and their
 * subdomains, .example, .test, .invalid, .localhost) and "domains" whose last label is a common
 * file extension (icon@2x.png).
 */
final class EmailMatcher {

  static final int MAX_LOCAL = 64;
  static final int MAX_DOMAIN = 253;
  private static final int MAX_LABEL = 63;

  private static final Set<String> RESERVED_TLDS = Set.of("example", "test", "invalid", "localhost");
  private static final Set<String> RESERVED_DOMAINS = Set.of("example.com", "example.net", "example.org");
  /** File extensions that are not top-level domains but follow '@' in names like icon@2x.png. */
  private static final Set<String> FILE_EXTENSIONS = Set.of("png", "jpg", "jpeg", "gif", "svg", "bmp", "webp",
      "txt", "htm", "html", "rst", "json", "yaml", "yml", "xml", "patch", "diff", "tar", "gz", "bz2", "xz",
      "zip", "js", "css", "pdf", "rb", "java", "cpp", "hpp", "dts", "dtsi");

  private EmailMatcher() {
  }

  /** The address whose '@' is at {@code at}, packed as {@code start << 32 | end}, or -1. */
  static long match(String text, int at) {
    int start = localStart(text, at);
    if (start < 0) {
      return -1;
    }
    int end = domainEnd(text, at + 1);
    if (end < 0) {
      return -1;
    }
    String domain = text.substring(at + 1, end).toLowerCase(Locale.ROOT);
    if (isReserved(domain)) {
      return -1;
    }
    return ((long) start << 32) | end;
  }

  static boolean isLocalChar(char c) {
    return Chars.isDigit(c) || Chars.isAsciiLetter(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
  }

  /** Start of the local part ending before {@code at}, or -1 when there is none or it is malformed. */
  private static int localStart(String text, int at) {
    int i = at;
    while (i > 0 && isLocalChar(text.charAt(i - 1))) {
      i--;
      if (at - i > MAX_LOCAL) {
        return -1;
      }
    }
    // "Mail .bob@x.org" or "...bob@x.org": leading dots belong to the sentence, not the address
    while (i < at && text.charAt(i) == '.') {
      i++;
    }
    if (i == at || text.charAt(at - 1) == '.' || text.substring(i, at).contains("..")) {
      return -1;
    }
    if (i > 0 && Chars.isWord(text.charAt(i - 1))) {
      return -1; // a non-ASCII letter glued to the front: not a clean address
    }
    return i;
  }

  /** End of a well-formed domain starting at {@code from}, or -1. */
  private static int domainEnd(String text, int from) {
    int n = Math.min(text.length(), from + MAX_DOMAIN);
    int labels = 0;
    int lastLabelStart = from;
    int end = -1;
    int i = from;
    while (i < n) {
      int labelStart = i;
      while (i < n && (Chars.isDigit(text.charAt(i)) || Chars.isAsciiLetter(text.charAt(i))
          || text.charAt(i) == '-')) {
        i++;
      }
      int labelEnd = i;
      // a hyphen may not end a label: give back trailing hyphens ("mail bob@x.org-style")
      while (labelEnd > labelStart && text.charAt(labelEnd - 1) == '-') {
        labelEnd--;
      }
      if (labelEnd == labelStart || labelEnd - labelStart > MAX_LABEL || text.charAt(labelStart) == '-') {
        break;
      }
      labels++;
      lastLabelStart = labelStart;
      end = labelEnd;
      if (labelEnd < i || i >= n || text.charAt(i) != '.' || !Chars.isWord(Chars.at(text, i + 1))) {
        break;
      }
      i++; // the dot
    }
    boolean podEscape = end - lastLabelStart > 2 && text.charAt(end - 1) == 'E' && text.startsWith("<gt>", end);
    if (podEscape) {
      end--; // Perl POD writes <user@host.org> as E<lt>user@host.orgE<gt>
    }
    if (labels < 2 || !isTopLevel(text, lastLabelStart, end)) {
      return -1;
    }
    if (!podEscape && end < text.length() && Chars.isWord(text.charAt(end))) {
      return -1; // a non-ASCII letter or '_' glued to the end
    }
    return end;
  }

  private static boolean isTopLevel(String text, int start, int end) {
    int len = end - start;
    if (len >= 4 && text.regionMatches(true, start, "xn--", 0, 4)) {
      return true;
    }
    if (len < 2 || len > 24) {
      return false;
    }
    for (int i = start; i < end; i++) {
      if (!Chars.isAsciiLetter(text.charAt(i))) {
        return false;
      }
    }
    return !FILE_EXTENSIONS.contains(text.substring(start, end).toLowerCase(Locale.ROOT));
  }

  static boolean isReserved(String domain) {
    String tld = domain.substring(domain.lastIndexOf('.') + 1);
    if (RESERVED_TLDS.contains(tld)) {
      return true;
    }
    for (String reserved : RESERVED_DOMAINS) {
      if (domain.equals(reserved) || domain.endsWith("." + reserved)) {
        return true;
      }
    }
    return false;
  }
}
