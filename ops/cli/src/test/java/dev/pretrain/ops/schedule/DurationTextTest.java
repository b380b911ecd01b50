package dev.pretrain.ops.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationTextTest {

  @Test
  void readsSingleUnits() {
    assertEquals(Duration.ofSeconds(90), DurationText.parse("90s"));
    assertEquals(Duration.ofMinutes(2), DurationText.parse("2m"));
    assertEquals(Duration.ofHours(24), DurationText.parse("24h"));
    assertEquals(Duration.ofDays(1), DurationText.parse("1d"));
    assertEquals(Duration.ZERO, DurationText.parse("0s"));
  }

  @Test
  void readsCombinedPartsCaseAndSpaces() {
    assertEquals(Duration.ofMinutes(90), DurationText.parse("1h30m"));
    assertEquals(Duration.ofDays(1).plusHours(2).plusSeconds(5), DurationText.parse(" 1D 2h 5s "));
  }

  @Test
  void rejectsWhatItCannotReadWithAClearMessage() {
    for (String bad : new String[] {"", "  ", "5", "h", "1.5h", "-5m", "5 minutes", "1w", "PT5M", "5m3"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DurationText.parse(bad), bad);
      assertTrue(e.getMessage().contains("90s, 2m, 24h, 1d"), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> DurationText.parse(null));
    IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
        () -> DurationText.parse("99999999999999999999d"));
    assertTrue(big.getMessage().contains("too large"), big.getMessage());
  }

  @Test
  void formatsShortestAndReadsBack() {
    assertEquals("1d", DurationText.format(Duration.ofHours(24)));
    assertEquals("1m30s", DurationText.format(Duration.ofSeconds(90)));
    assertEquals("1d2h3m4s", DurationText.format(Duration.ofSeconds(86400 + 7200 + 180 + 4)));
    assertEquals("0s", DurationText.format(Duration.ZERO));
    for (String s : new String[] {"5m", "1h30m", "2d", "45s", "1d1s"}) {
      assertEquals(s, DurationText.format(DurationText.parse(s)));
    }
  }
}
