package dev.pretrain.batch.curate.pii;

import java.util.Locale;

/**
 * Finds an e-mail address written to dodge harvesters: {@code jane at corp dot com},
 * {@code <jane at corp.com>}, {@code jane <at> corp.com}, {@code jane(at)corp.com},
 * {@code jane [at] corp [dot] com}, {@code jane AT corp.com}, also with "dot" inside the local part
 * ({@code James dot Bottomley at hansenpartnership dot com}).
 *
 * <p>Prose is full of "word at domain.org" ("hosted at kernel.org", "the list at vger.kernel.org"),
 * so a plain lower-case " at " counts only when the address also spells out a "dot" or is enclosed
 * in {@code <...>} or {@code (...)}; the bracketed forms and an upper-case " AT " count as they are.
 * The domain follows the rules of {@link EmailMatcher} (two labels or more, a letters-only top-level
 * domain, reserved names kept).
 */
final class ObfuscatedEmailMatcher {

  private static final String[] SPACED_ATS = {" at ", " AT ", " <at> ", " (at) ", " [at] "};
  private static final String[] GLUED_ATS = {"<at>", "(at)", "[at]"};
  private static final String[] DOTS = {" dot ", " DOT ", " [dot] ", " (dot) ", "[dot]", "(dot)", "."};

  private ObfuscatedEmailMatcher() {
  }

  /** Whether an obfuscated "at" may begin at {@code i} (a space or an opening bracket). */
  static boolean mayStartAt(String text, int i) {
    int from = text.charAt(i) == ' ' ? i + 1 : i;
    char c = Chars.at(text, from);
    if (c == '<' || c == '(' || c == '[') {
      c = Chars.at(text, ++from);
    }
    return (c == 'a' || c == 'A') && (Chars.at(text, from + 1) | 0x20) == 't';
  }

  /** The address whose "at" starts at {@code i}, packed as {@code start << 32 | end}, or -1. */
  static long match(String text, int i) {
    int atLength = atLength(text, i);
    if (atLength < 0) {
      return -1;
    }
    boolean strongAt = !text.startsWith(" at ", i);
    int localEnd = i;
    int start = localStart(text, localEnd);
    if (start < 0) {
      return -1;
    }
    boolean dotWord = start < localEnd && text.substring(start, localEnd).contains(" ");
    int domainStart = i + atLength;
    StringBuilder domain = new StringBuilder();
    int end = domainEnd(text, domainStart, domain);
    if (end < 0) {
      return -1;
    }
    dotWord |= domain.length() < end - domainStart; // some dot was spelled out
    char before = Chars.at(text, start - 1);
    char after = Chars.at(text, end);
    boolean enclosed = (before == '<' && after == '>') || (before == '(' && after == ')')
        || (before == ' ' && Chars.at(text, start - 2) == '<' && after == ' ' && Chars.at(text, end + 1) == '>');
    if (!strongAt && !dotWord && !enclosed) {
      return -1;
    }
    if (EmailMatcher.isReserved(domain.toString().toLowerCase(Locale.ROOT))) {
      return -1;
    }
    return ((long) start << 32) | end;
  }

  /** Length of the "at" token at {@code i}, or -1. */
  private static int atLength(String text, int i) {
    for (String at : SPACED_ATS) {
      if (text.startsWith(at, i)) {
        return at.length();
      }
    }
    for (String at : GLUED_ATS) {
      if (text.regionMatches(true, i, at, 0, at.length()) && i > 0 && text.charAt(i - 1) != ' ') {
        return at.length();
      }
    }
    return -1;
  }

  /** Start of the local part ending at {@code end}: a word, or words joined by " dot ". */
  private static int localStart(String text, int end) {
    int start = wordStart(text, end);
    if (start == end || end - start > EmailMatcher.MAX_LOCAL) {
      return -1;
    }
    while (start >= 5 && end - start <= EmailMatcher.MAX_LOCAL && text.startsWith(" dot ", start - 5)) {
      int previous = wordStart(text, start - 5);
      if (previous == start - 5) {
        break;
      }
      start = previous;
    }
    char before = Chars.at(text, start - 1);
    return Chars.isWord(before) || before == '@' ? -1 : start;
  }

  private static int wordStart(String text, int end) {
    int i = end;
    while (i > 0 && end - i <= EmailMatcher.MAX_LOCAL && EmailMatcher.isLocalChar(text.charAt(i - 1))) {
      i--;
    }
    while (i < end && (text.charAt(i) == '.' || text.charAt(i) == '-')) {
      i++;
    }
    return i;
  }

  /** End of a domain of two labels or more joined by real or spelled-out dots; -1 when there is none. */
  private static int domainEnd(String text, int from, StringBuilder domain) {
    int i = from;
    int labels = 0;
    int end = -1;
    int lastLabelStart = -1;
    int limit = Math.min(text.length(), from + EmailMatcher.MAX_DOMAIN);
    while (i < limit) {
      int labelStart = i;
      while (i < limit && (Chars.isAsciiLetter(text.charAt(i)) || Chars.isDigit(text.charAt(i))
          || text.charAt(i) == '-')) {
        i++;
      }
      if (i == labelStart || text.charAt(i - 1) == '-' || text.charAt(labelStart) == '-') {
        break;
      }
      if (labels > 0) {
        domain.append('.');
      }
      domain.append(text, labelStart, i);
      labels++;
      lastLabelStart = labelStart;
      end = i;
      String dot = dotAt(text, i);
      if (dot == null || !Chars.isAsciiLetter(Chars.at(text, i + dot.length()))
          && !Chars.isDigit(Chars.at(text, i + dot.length()))) {
        break;
      }
      i += dot.length();
    }
    if (labels < 2 || Chars.isWord(Chars.at(text, end)) || !isTopLevel(text, lastLabelStart, end)) {
      return -1;
    }
    return end;
  }

  private static String dotAt(String text, int i) {
    for (String dot : DOTS) {
      if (text.startsWith(dot, i)) {
        return dot;
      }
    }
    return null;
  }

  private static boolean isTopLevel(String text, int start, int end) {
    if (end - start < 2 || end - start > 24) {
      return false;
    }
    for (int i = start; i < end; i++) {
      if (!Chars.isAsciiLetter(text.charAt(i))) {
        return false;
      }
    }
    return true;
  }
}
