package dev.pretrain.ops.schedule;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people type them on a command line: {@code 90s}, {@code 2m}, {@code 24h}, {@code 1d},
 * or several parts together ({@code 1h30m}). Units: s, m, h, d (a day is 24 h: schedules count in
 * UTC seconds, so there is no daylight-saving day). Whole numbers only: Schedules work in seconds.
 */
public final class DurationText {

  private static final Pattern WHOLE = Pattern.compile("(?:[0-9]+[smhd])+");
  private static final Pattern PART = Pattern.compile("([0-9]+)([smhd])");

  private DurationText() {}

  /**
   * Parses {@code text}; zero ({@code 0s}) is allowed, callers that need a positive value check.
   *
   * @throws IllegalArgumentException with a message that says what is accepted
   */
  public static Duration parse(String text) {
    String s = text == null ? "" : text.strip().toLowerCase(Locale.ROOT).replace(" ", "");
    if (!WHOLE.matcher(s).matches()) {
      throw new IllegalArgumentException("not a duration: '" + (text == null ? "" : text)
          + "' (use a whole number and a unit s, m, h or d, e.g. 90s, 2m, 24h, 1d, or combined: 1h30m)");
    }
    Duration total = Duration.ZERO;
    Matcher m = PART.matcher(s);
    try {
      while (m.find()) {
        long n = Long.parseLong(m.group(1));
        long unitSeconds = switch (m.group(2)) {
          case "s" -> 1;
          case "m" -> 60;
          case "h" -> 3600;
          default -> 86400;
        };
        total = total.plusSeconds(Math.multiplyExact(n, unitSeconds));
      }
    } catch (ArithmeticException | NumberFormatException e) {
      throw new IllegalArgumentException("duration too large: '" + text + "'");
    }
    return total;
  }

  /** The shortest text {@link #parse} reads back to the same value (sub-second parts are dropped): 1d2h, 90s -> 1m30s. */
  public static String format(Duration d) {
    long s = d.getSeconds();
    if (s == 0) {
      return "0s";
    }
    StringBuilder b = new StringBuilder();
    if (s < 0) {
      b.append('-');
      s = -s;
    }
    long[] sizes = {86400, 3600, 60, 1};
    String[] units = {"d", "h", "m", "s"};
    for (int i = 0; i < sizes.length; i++) {
      if (s >= sizes[i]) {
        b.append(s / sizes[i]).append(units[i]);
        s %= sizes[i];
      }
    }
    return b.toString();
  }
}
