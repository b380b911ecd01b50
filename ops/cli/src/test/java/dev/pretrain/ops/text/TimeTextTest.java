package dev.pretrain.ops.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TimeTextTest {

  @Test
  void clockShowsTwoUnits() {
    assertEquals("42s", TimeText.clock(Duration.ofSeconds(42)));
    assertEquals("12m05s", TimeText.clock(Duration.ofSeconds(725)));
    assertEquals("3h04m", TimeText.clock(Duration.ofMinutes(184)));
    assertEquals("0s", TimeText.clock(Duration.ofSeconds(-5)));
  }

  @Test
  void underAMinuteInTenths() {
    assertEquals("4.2s", TimeText.clockOrTenths(Duration.ofMillis(4_200)));
    assertEquals("60.0s", TimeText.clockOrTenths(Duration.ofMillis(59_960)));
    assertEquals("1m00s", TimeText.clockOrTenths(Duration.ofSeconds(60)));
    assertEquals("3h04m", TimeText.clockOrTenths(Duration.ofMinutes(184)));
    assertEquals("4.2s", TimeText.seconds(4_200));
  }
}
