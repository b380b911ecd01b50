package dev.pretrain.ops.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pretrain.ops.config.ConfigLoader;
import dev.pretrain.ops.config.PretrainConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The worker's metrics port: default 9464, from the config file ({@code metricsPort}) or the environment. */
class MetricsPortConfigTest {

  @TempDir
  Path dir;

  @Test
  void defaultFileAndEnvironment() throws Exception {
    assertEquals(9464, ConfigLoader.load(Map.of(), Map.of(), dir, null).metricsPort());

    Files.writeString(dir.resolve("config.yaml"), "metricsPort: 9500\n");
    PretrainConfig fromFile = ConfigLoader.load(Map.of(), Map.of(), dir, null);
    assertEquals(9500, fromFile.metricsPort());
    assertEquals("file", fromFile.origins().get(ConfigLoader.METRICS_PORT));
    assertEquals("9500", fromFile.describe().get(ConfigLoader.METRICS_PORT));

    PretrainConfig off = ConfigLoader.load(Map.of(), Map.of("PRETRAIN_METRICS_PORT", "0"), dir, null);
    assertEquals(0, off.metricsPort());
  }

  @Test
  void aBadPortSaysWhereItCameFrom() {
    ConfigLoader.ConfigException e = assertThrows(ConfigLoader.ConfigException.class,
        () -> ConfigLoader.load(Map.of(), Map.of("PRETRAIN_METRICS_PORT", "70000"), dir, null));
    assertTrue(e.getMessage().contains("metrics-port") && e.getMessage().contains("PRETRAIN_METRICS_PORT"),
        e.getMessage());
    assertThrows(ConfigLoader.ConfigException.class,
        () -> ConfigLoader.load(Map.of(), Map.of("PRETRAIN_METRICS_PORT", "abc"), dir, null));
  }
}
