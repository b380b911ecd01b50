package dev.pretrain.batch.curate.pii;

/**
 * Finds a telephone number written in one of the common grouped forms. Plain digit runs are never
 * taken (they are ids, counts, timestamps, ISBNs); the grouping is what makes a number a phone number.
 *
 * <p>The matcher reads one maximal run: an optional '+', then groups of digits joined by exactly one
 * separator (space, '-', '.', '/'), one of them optionally in parentheses; a space after three or
 * more groups joined by '-' or by '.' ends the run (408-957-2550 24 hours). The whole run is then
 * accepted or rejected; a rejected run is never cut down to a shorter match, so a long numeric table
 * row or a dump does not leak a "phone number" out of its middle. Accepted forms:
 * <ul>
 *   <li>international: '+', a country code not starting with 0, 8 to 15 digits in all (E.164), e.g.
 *       +49 89 4366 5533, +44 (0)20 7946 0958, +33 1 23 45 67 89, +1-212-555-0147, +4915112345678;
 *   <li>North American: (NNN) NNN-NNNN, NNN-NNN-NNNN, NNN.NNN.NNNN, optionally after "1-", with the
 *       area code and the exchange starting with 2..9 as the numbering plan requires;
 *   <li>national with a trunk 0 (most of Europe): a first group 0N.. of 2 to 5 digits, then groups of
 *       2 or more digits, 9 to 12 digits in all, e.g. 089 4366 5533, (020) 7946 0958, 01 23 45 67 89,
 *       030/1234567, 020-1234567.
 * </ul>
 * Rejected because they look like the above but are not phone numbers: a run glued to a word
 * character (U+0300..036F, x408-...), preceded by '.', '-', '/' or '+', followed by '.'/'-' and a word
 * character; space-separated runs next to other short numeric or hex tokens (hex dumps, tables);
 * '.'-separated groups of three (thousands separators); runs mixing '.' with other separators
 * (dates with times, coordinates); a run after "digit:" (the seconds of a time); '+' before a
 * dotted quad; in the national form a 5-4 pair (US ZIP+4), a two-group decimal (05.000000000) and
 * four or more groups of exactly three digits (lists of codes). Kept: the NANP numbers reserved
 * for fiction, NNN-555-0100 to 0199 (with or without the area code).
 */
final class PhoneMatcher {

  static final int MAX_DIGITS = 15;
  private static final int MAX_GROUPS = 8;
  private static final int MAX_GROUP_DIGITS = MAX_DIGITS;
  /** Marks a group that follows a ')' directly, as in (408)957-2550. */
  private static final char NO_SEPARATOR = ')';

  private PhoneMatcher() {
  }

  /** Whether a phone run may start at {@code i}: a digit, or '+' / '(' before a digit. */
  static boolean mayStartAt(String text, int i) {
    char c = text.charAt(i);
    return Chars.isDigit(c) || ((c == '+' || c == '(') && Chars.isDigit(Chars.at(text, i + 1)))
        || (c == '+' && Chars.at(text, i + 1) == '(' && Chars.isDigit(Chars.at(text, i + 2)));
  }

  /** The number starting at {@code start} packed as {@code start << 32 | end}, or -1. */
  static long match(String text, int start) {
    char first = text.charAt(start);
    char before = Chars.at(text, start - 1);
    if (Chars.isWord(before) || before == '.' || before == '+' || before == '-' || before == '/') {
      return -1;
    }
    if (first == '+' && before == ')') {
      return -1;
    }
    if (before == ' ' && first != '+' && isNumericToken(text, start - 2, -1)) {
      return -1;
    }
    if (before == ':' && Chars.isDigit(Chars.at(text, start - 2))) {
      return -1; // the seconds of a time (14:33:05.000000000)
    }
    if (first == '+' && Ipv4Matcher.parse(text, start + 1) >= 0) {
      return -1; // +192.168.0.100: an address being added to a list
    }
    if (first != '+' && !hasSecondGroup(text, start)) {
      return -1; // one digit run and no '+': the common case of a number in prose, decided without allocating
    }
    Run run = Run.read(text, start);
    if (run == null) {
      return -1;
    }
    int end = run.end;
    char after = Chars.at(text, end);
    char afterNext = Chars.at(text, end + 1);
    if (Chars.isWord(after) || ((after == '.' || after == '-' || after == '/' || after == ':' || after == ',')
        && Chars.isDigit(afterNext)) || (after == '.' && Chars.isWord(afterNext))) {
      return -1;
    }
    if (after == ' ' && run.usesOnly(' ') && isNumericToken(text, end + 1, +1)) {
      return -1;
    }
    boolean ok = run.plus ? run.isInternational() : run.isNorthAmerican() || run.isNationalWithTrunk();
    return ok ? ((long) start << 32) | end : -1;
  }

  /** Whether the first group (after an optional '(') is followed by a separator or ')' and a digit. */
  private static boolean hasSecondGroup(String text, int start) {
    int i = text.charAt(start) == '(' ? start + 1 : start;
    int digitsStart = i;
    while (Chars.isDigit(Chars.at(text, i)) && i - digitsStart <= MAX_GROUP_DIGITS) {
      i++;
    }
    char c = Chars.at(text, i);
    if (c == ')') {
      c = Chars.at(text, ++i);
      if (Chars.isDigit(c)) {
        return true;
      }
    }
    char next = Chars.at(text, i + 1);
    return (c == ' ' || c == '-' || c == '.' || c == '/') && (Chars.isDigit(next) || next == '(');
  }

  /**
   * Whether the token that starts (direction +1) or ends (-1) at {@code from} is a short run of hex
   * digits that contains a digit or is exactly two characters long: a neighbour in a dump or a table.
   */
  private static boolean isNumericToken(String text, int from, int direction) {
    int i = from;
    int len = 0;
    boolean digit = false;
    while (i >= 0 && i < text.length() && Chars.isHex(text.charAt(i)) && len <= 4) {
      digit |= Chars.isDigit(text.charAt(i));
      len++;
      i += direction;
    }
    if (len == 0 || len > 4 || Chars.isWord(Chars.at(text, i))) {
      return false;
    }
    return digit || len == 2;
  }

  /** Numbers reserved for fiction in the North American plan: 555-0100 to 555-0199. */
  static boolean isFictional(String lastSevenDigits) {
    return lastSevenDigits.startsWith("55501");
  }

  /** One maximal run of digit groups. */
  private static final class Run {
    final boolean plus;
    final int[] starts = new int[MAX_GROUPS];
    final int[] lengths = new int[MAX_GROUPS];
    /** separators[k] is what precedes group k (k >= 1). */
    final char[] separators = new char[MAX_GROUPS];
    final String text;
    int count;
    int parenGroup = -1;
    int digits;
    int end;

    private Run(String text, boolean plus) {
      this.text = text;
      this.plus = plus;
    }

    static Run read(String text, int start) {
      boolean plus = text.charAt(start) == '+';
      Run run = new Run(text, plus);
      int i = plus ? start + 1 : start;
      char separator = 0;
      while (true) {
        boolean paren = Chars.at(text, i) == '(';
        if (paren) {
          i++;
        }
        int groupStart = i;
        while (Chars.isDigit(Chars.at(text, i)) && i - groupStart <= MAX_GROUP_DIGITS) {
          i++;
        }
        int len = i - groupStart;
        if (len == 0 || len > MAX_GROUP_DIGITS || run.count == MAX_GROUPS) {
          return null;
        }
        if (paren) {
          if (Chars.at(text, i) != ')' || run.parenGroup >= 0) {
            return null;
          }
          run.parenGroup = run.count;
          i++;
        }
        run.starts[run.count] = groupStart;
        run.lengths[run.count] = len;
        run.separators[run.count] = separator;
        run.count++;
        run.digits += len;
        if (run.digits > MAX_DIGITS) {
          return null;
        }
        char c = Chars.at(text, i);
        char next = Chars.at(text, i + 1);
        if (paren && Chars.isDigit(c)) {
          separator = NO_SEPARATOR;
          continue;
        }
        if (c == ' ' && run.groupedBy('-', '.')) {
          break; // 408-957-2550 24 hours, 834.345.1254 155 Elm Street: the space ends the number
        }
        boolean separatorChar = c == ' ' || c == '-' || (!paren && (c == '.' || c == '/'));
        if (separatorChar && (Chars.isDigit(next)
            || (next == '(' && c == ' ' && Chars.isDigit(Chars.at(text, i + 2))))) {
          separator = c;
          i++;
          continue;
        }
        break;
      }
      run.end = i;
      return run;
    }

    /** Whether the groups so far (three or more) are joined by one separator, one of the two given. */
    boolean groupedBy(char one, char other) {
      char first = separators[1];
      return count >= 3 && (first == one || first == other) && usesOnly(first);
    }

    boolean usesOnly(char separator) {
      for (int k = 1; k < count; k++) {
        if (separators[k] != separator) {
          return false;
        }
      }
      return count > 1;
    }

    private boolean uses(char separator) {
      for (int k = 1; k < count; k++) {
        if (separators[k] == separator) {
          return true;
        }
      }
      return false;
    }

    /** Dots as separators only on their own; never groups of three after the first (1.234.567). */
    private boolean dotsAreSound() {
      if (!uses('.')) {
        return true;
      }
      if (!usesOnly('.')) {
        return false;
      }
      for (int k = 1; k < count; k++) {
        if (lengths[k] != 3) {
          return true;
        }
      }
      return count < 3;
    }

    private char digitAt(int group, int offset) {
      return text.charAt(starts[group] + offset);
    }

    private String allDigits() {
      StringBuilder sb = new StringBuilder(digits);
      for (int k = 0; k < count; k++) {
        sb.append(text, starts[k], starts[k] + lengths[k]);
      }
      return sb.toString();
    }

    boolean isInternational() {
      if (digits < 8 || digitAt(0, 0) == '0' || parenGroup > 1 || !dotsAreSound()) {
        return false;
      }
      if (count == 1) {
        return digits >= 10;
      }
      int singles = 0;
      for (int k = 1; k < count; k++) {
        if (lengths[k] == 1 && k != parenGroup) {
          singles++;
        }
      }
      if (singles > 1 || lengths[count - 1] < 2) {
        return false;
      }
      String all = allDigits();
      boolean northAmerican = all.charAt(0) == '1' && (digits == 8 || digits == 11);
      return !(northAmerican && isFictional(all.substring(all.length() - 7)));
    }

    boolean isNorthAmerican() {
      int area = 0;
      if (count == 4 && lengths[0] == 1 && digitAt(0, 0) == '1' && parenGroup != 0) {
        area = 1;
      }
      if (count - area != 3 || lengths[area] != 3 || lengths[area + 1] != 3 || lengths[area + 2] != 4) {
        return false;
      }
      if (digitAt(area, 0) < '2' || digitAt(area + 1, 0) < '2') {
        return false;
      }
      char toExchange = separators[area + 1];
      char toLine = separators[area + 2];
      if (parenGroup == area) {
        if (toExchange == '.' || toExchange == '/' || toLine == '/') {
          return false;
        }
      } else if (parenGroup >= 0 || toExchange != toLine || (toLine != '-' && toLine != '.')
          || (area == 1 && separators[1] != toLine)) {
        return false;
      }
      String line = text.substring(starts[area + 1], starts[area + 1] + 3)
          + text.substring(starts[area + 2], starts[area + 2] + 4);
      return !isFictional(line);
    }

    boolean isNationalWithTrunk() {
      if (count < 2 || digits < 9 || digits > 12 || parenGroup > 0) {
        return false;
      }
      if (lengths[0] < 2 || lengths[0] > 5 || digitAt(0, 0) != '0' || digitAt(0, 1) == '0') {
        return false;
      }
      if (count == 2 && (lengths[0] == 5 && lengths[1] == 4 || separators[1] == '.')) {
        return false; // a US ZIP+4 code (02111-1307) or a decimal (05.000000000)
      }
      boolean allThree = count >= 4;
      for (int k = 0; k < count; k++) {
        allThree &= lengths[k] == 3;
      }
      if (allThree) {
        return false; // a list of three-digit codes (012 013 023 123)
      }
      for (int k = 1; k < count; k++) {
        if (lengths[k] < 2) {
          return false;
        }
        // the first separator may differ (030/123 4567, (089) 4366-5533), the rest may not
        if (k >= 2 && separators[k] != separators[2]) {
          return false;
        }
      }
      return dotsAreSound();
    }
  }
}
