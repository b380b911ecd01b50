package dev.pretrain.batch.curate.pii;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Replaces personal data in a document's text with fixed placeholders: e-mail addresses, public IPv4
 * and IPv6 addresses, and telephone numbers (see the matcher classes for what each one takes and
 * keeps, and docs/curation-pii.md for the measured precision and recall).
 *
 * <p>Every placeholder is a reserved documentation value that the matchers themselves keep
 * (user@example.com, 192.0.2.1, 2001:db8::1, +1-555-0100; see {@link PiiKind}), so redacted text
 * still reads naturally, a second pass changes nothing, and the output is the same in every run.
 *
 * <p>One left-to-right pass, no regular expressions: letters and the punctuation above '@' are
 * skipped with one comparison; an '@' asks the e-mail matcher, a space, '(' or '<' before "at" the
 * matcher of spelled-out addresses (jane at corp dot com), a ':' between hex digits the IPv6 matcher,
 * the first digit of a run the IPv4 and then the phone matcher, a '+' or '(' before a digit the phone
 * matcher. Each matcher reads a bounded window, so the pass is linear in the text. Where two
 * matches overlap the e-mail address wins (its local part may hold digits and a '+'); otherwise
 * the one found first is kept.
 *
 * <p>Immutable and thread-safe.
 */
public final class PiiRedactor {

  private static final PiiRedactor STANDARD = new PiiRedactor();

  private PiiRedactor() {
  }

  public static PiiRedactor standard() {
    return STANDARD;
  }

  /** Returns the same String instance when nothing was found. */
  public Result redact(String text) {
    Spans spans = scan(text);
    if (spans.size == 0) {
      return new Result(text, 0, 0, 0, 0);
    }
    int[] counts = new int[PiiKind.values().length];
    StringBuilder out = new StringBuilder(text.length());
    int copied = 0;
    for (int k = 0; k < spans.size; k++) {
      PiiKind kind = spans.kinds[k];
      out.append(text, copied, spans.starts[k]).append(kind.placeholder());
      copied = spans.ends[k];
      counts[kind.ordinal()]++;
    }
    out.append(text, copied, text.length());
    return new Result(out.toString(), counts[PiiKind.EMAIL.ordinal()], counts[PiiKind.IPV4.ordinal()],
        counts[PiiKind.IPV6.ordinal()], counts[PiiKind.PHONE.ordinal()]);
  }

  /** What {@link #redact} would replace, in text order (for evaluation and diagnostics). */
  public List<PiiSpan> find(String text) {
    Spans spans = scan(text);
    List<PiiSpan> found = new ArrayList<>(spans.size);
    for (int k = 0; k < spans.size; k++) {
      found.add(new PiiSpan(spans.starts[k], spans.ends[k], spans.kinds[k]));
    }
    return found;
  }

  private static Spans scan(String text) {
    Spans spans = new Spans();
    int n = text.length();
    int ipv6ScannedTo = -1; // colons inside a run already tried for IPv6 are not tried again
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c > '@') {
        continue; // letters and most punctuation: the common case
      }
      long found = -1;
      PiiKind kind = null;
      if (c < '(') {
        if (c != ' ' || !ObfuscatedEmailMatcher.mayStartAt(text, i)) {
          continue;
        }
        found = ObfuscatedEmailMatcher.match(text, i);
        kind = PiiKind.EMAIL;
      } else if (c == '@') {
        found = EmailMatcher.match(text, i);
        kind = PiiKind.EMAIL;
      } else if (c == ':') {
        if (i >= ipv6ScannedTo && looksLikeIpv6Colon(text, i)) {
          found = Ipv6Matcher.match(text, i);
          kind = PiiKind.IPV6;
          ipv6ScannedTo = endOfIpv6Run(text, i);
        }
      } else if (Chars.isDigit(c)) {
        if (i > 0 && Chars.isDigit(text.charAt(i - 1))) {
          continue; // only the first digit of a run starts a match
        }
        if (startsDottedNumber(text, i)) {
          found = Ipv4Matcher.match(text, i);
          kind = PiiKind.IPV4;
        }
        if (found < 0) {
          found = PhoneMatcher.match(text, i);
          kind = PiiKind.PHONE;
        }
      } else if ((c == '+' || c == '(') && PhoneMatcher.mayStartAt(text, i)) {
        found = PhoneMatcher.match(text, i);
        kind = PiiKind.PHONE;
      } else if ((c == '(' || c == '<') && ObfuscatedEmailMatcher.mayStartAt(text, i)) {
        found = ObfuscatedEmailMatcher.match(text, i);
        kind = PiiKind.EMAIL;
      }
      if (found >= 0) {
        int start = (int) (found >>> 32);
        int end = (int) found;
        if (spans.add(start, end, kind)) {
          i = end - 1;
        }
      }
    }
    return spans;
  }

  private static boolean looksLikeIpv6Colon(String text, int i) {
    char prev = Chars.at(text, i - 1);
    char next = Chars.at(text, i + 1);
    return (Chars.isHex(prev) || prev == ':' || next == ':') && (Chars.isHex(next) || next == ':' || prev == ':');
  }

  private static int endOfIpv6Run(String text, int i) {
    int end = i;
    int limit = Math.min(text.length(), i + Ipv6Matcher.MAX_LENGTH);
    while (end < limit && (Ipv6Matcher.isCandidateChar(text.charAt(end)) || text.charAt(end) == '.')) {
      end++;
    }
    return end;
  }

  /** One to three digits, a dot and a digit: the only way an IPv4 address can start. */
  private static boolean startsDottedNumber(String text, int i) {
    int j = i;
    while (j < text.length() && j - i < 4 && Chars.isDigit(text.charAt(j))) {
      j++;
    }
    return j - i <= 3 && Chars.at(text, j) == '.' && Chars.isDigit(Chars.at(text, j + 1));
  }

  /** Found spans in text order, without overlaps. */
  private static final class Spans {
    int[] starts = new int[8];
    int[] ends = new int[8];
    PiiKind[] kinds = new PiiKind[8];
    int size;

    /** Adds a span; an e-mail address displaces the spans it overlaps, anything else yields to them. */
    boolean add(int start, int end, PiiKind kind) {
      while (size > 0 && ends[size - 1] > start) {
        if (kind != PiiKind.EMAIL) {
          return false;
        }
        size--;
      }
      if (size == starts.length) {
        starts = Arrays.copyOf(starts, size * 2);
        ends = Arrays.copyOf(ends, size * 2);
        kinds = Arrays.copyOf(kinds, size * 2);
      }
      starts[size] = start;
      ends[size] = end;
      kinds[size] = kind;
      size++;
      return true;
    }
  }

  /** The redacted text and how many spans of each kind were replaced. */
  public record Result(String text, int emails, int ipv4, int ipv6, int phones) {

    public int total() {
      return emails + ipv4 + ipv6 + phones;
    }

    public boolean changed() {
      return total() > 0;
    }
  }
}
