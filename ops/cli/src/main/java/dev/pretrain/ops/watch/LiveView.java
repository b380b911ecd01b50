package dev.pretrain.ops.watch;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Redraws a block of lines in place on a terminal: cursor up over the previous block, each line
 * rewritten and cleared to its end, leftovers below cleared. Lines are cut to the terminal's width,
 * because a wrapped line would take two rows and throw the cursor-up count off.
 */
public final class LiveView {

  private static final String ESC = "\u001b[";

  private final PrintStream out;
  private final int width;
  private int drawn;

  public LiveView(PrintStream out, int width) {
    this.out = out;
    this.width = Math.max(20, width);
  }

  /** Replaces the block drawn last (if any) with {@code lines}. */
  public void draw(List<String> lines) {
    StringBuilder b = new StringBuilder();
    if (drawn > 0) {
      b.append(ESC).append(drawn).append('A').append('\r');
    }
    for (String line : lines) {
      b.append(cut(line, width - 1)).append(ESC).append('K').append('\n');
    }
    if (lines.size() < drawn) {
      b.append(ESC).append('J'); // the previous block was longer
    }
    out.print(b);
    out.flush();
    drawn = lines.size();
  }

  static String cut(String line, int max) {
    return line.length() <= max ? line : line.substring(0, Math.max(0, max - 1)) + "~";
  }

  /**
   * Columns of the controlling terminal: {@code stty size} on it, else {@code $COLUMNS}, else 100.
   */
  public static int terminalWidth() {
    try {
      Process p = new ProcessBuilder("stty", "size").redirectInput(new File("/dev/tty"))
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      if (p.waitFor(2, TimeUnit.SECONDS) && p.exitValue() == 0) {
        String[] rc = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim().split("\\s+");
        if (rc.length == 2 && Integer.parseInt(rc[1]) > 0) {
          return Integer.parseInt(rc[1]);
        }
      } else {
        p.destroy();
      }
    } catch (IOException | RuntimeException e) {
      // no stty or no terminal: the fallbacks below
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      String cols = System.getenv("COLUMNS");
      if (cols != null && Integer.parseInt(cols.trim()) > 0) {
        return Integer.parseInt(cols.trim());
      }
    } catch (NumberFormatException ignored) {
      // fall through
    }
    return 100;
  }
}
