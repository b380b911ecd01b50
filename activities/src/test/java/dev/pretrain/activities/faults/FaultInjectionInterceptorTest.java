package dev.pretrain.activities.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FaultInjectionInterceptorTest {

  @Test
  void delayDrillReadsSecondsAndMilliseconds() {
    assertEquals(Duration.ofSeconds(5), FaultInjectionInterceptor.parseDelay(" 5s"));
    assertEquals(Duration.ofMillis(750), FaultInjectionInterceptor.parseDelay("750ms"));
    assertEquals(Duration.ofMillis(1500), FaultInjectionInterceptor.parseDelay("1.5 s"));
    assertEquals(Duration.ofSeconds(2), FaultInjectionInterceptor.parseDelay("2"));
  }

  @Test
  void anUnreadableDelayIsANonRetryableDrillFailure() {
    ApplicationFailure f = assertThrows(ApplicationFailure.class, () -> FaultInjectionInterceptor.parseDelay("soon"));
    assertEquals(FaultInjectionInterceptor.FAILURE_TYPE, f.getType());
    assertEquals(true, f.isNonRetryable());
  }
}
