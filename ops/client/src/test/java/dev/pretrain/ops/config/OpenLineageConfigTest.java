package dev.pretrain.ops.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpenLineageConfigTest {

  @TempDir
  Path dir;

  @Test
  void byDefaultEventsGoToAFileUnderTheDataDirectoryOnly() {
    OpenLineageConfig ol = ConfigLoader.load(Map.of(), Map.of(), dir, null).openLineage();
    assertEquals(dir.resolve("openlineage/events.jsonl"), ol.file());
    assertNull(ol.url());
    assertEquals("pretrain", ol.namespace());
  }

  @Test
  void fileEnvironmentAndFlagsSetThemWithTheUsualPrecedence() throws Exception {
    Files.writeString(dir.resolve("config.yaml"), """
        openlineage:
          url: http://marquez.internal:5000
          namespace: from-file
          file: off
        """);
    PretrainConfig fromFile = ConfigLoader.load(Map.of(), Map.of(), dir, null);
    assertEquals(URI.create("http://marquez.internal:5000"), fromFile.openLineage().url());
    assertEquals("from-file", fromFile.openLineage().namespace());
    assertNull(fromFile.openLineage().file(), "off: no file");
    assertEquals("file", fromFile.origins().get(ConfigLoader.OPENLINEAGE_URL));

    PretrainConfig fromEnv = ConfigLoader.load(Map.of(ConfigLoader.OPENLINEAGE_NAMESPACE, "from-flag"),
        Map.of("PRETRAIN_OPENLINEAGE_URL", "https://lineage.example.net/api/v1/lineage",
            "PRETRAIN_OPENLINEAGE_FILE", dir.resolve("ol.jsonl").toString(),
            "PRETRAIN_OPENLINEAGE_NAMESPACE", "from-env"), dir, null);
    assertEquals(URI.create("https://lineage.example.net/api/v1/lineage"), fromEnv.openLineage().url());
    assertEquals(dir.resolve("ol.jsonl"), fromEnv.openLineage().file());
    assertEquals("from-flag", fromEnv.openLineage().namespace());
    assertEquals("(none)", ConfigLoader.load(Map.of(), Map.of(), dir.resolve("empty"), null).describe()
        .get(ConfigLoader.OPENLINEAGE_URL));
  }

  @Test
  void aUrlThatIsNotHttpIsAnErrorNamingItsOrigin() {
    ConfigLoader.ConfigException e = assertThrows(ConfigLoader.ConfigException.class,
        () -> ConfigLoader.load(Map.of(), Map.of("PRETRAIN_OPENLINEAGE_URL", "marquez:5000"), dir, null));
    assertTrue(e.getMessage().contains("openlineage.url") && e.getMessage().contains("PRETRAIN_OPENLINEAGE_URL"),
        e.getMessage());
  }
}
