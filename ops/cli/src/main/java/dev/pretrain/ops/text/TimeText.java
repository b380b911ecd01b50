package dev.pretrain.ops.text;

import java.time.Duration;
import java.util.Locale;

/**
 * How the CLI shows times it measured: the watch screen, {@code runs} and {@code status} print
 * them the same way. Not for schedule flags, whose text must parse back
 * ({@link dev.pretrain.ops.schedule.DurationText}). The corpus fetcher's log lines keep their own
 * spaced units ({@code 3.4 s}, {@code 1.2 MB}): a shared home for both would have to be the
 * database module, and their text differs anyway.
 */
public final class TimeText {

  private TimeText() {}

  /** 42s, 12m05s, 3h04m; negative (clock skew) shows as 0s. */
  public static String clock(Duration d) {
    long s = Math.max(0, d.toSeconds());
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
    return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
  }

  /** Like {@link #clock}, but under a minute in tenths of a second: 4.2s, 12m05s. */
  public static String clockOrTenths(Duration d) {
    return d.toSeconds() < 60 ? seconds(d.toMillis()) : clock(d);
  }

  /** 4.2s. */
  public static String seconds(long millis) {
    return String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
  }
}
