package dev.pretrain.ops.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  @TempDir
  Path dir;

  @Test
  void defaultsPointAtTheLocalStack() {
    PretrainConfig c = ConfigLoader.load(Map.of(), Map.of(), dir, null);
    assertEquals("127.0.0.1:7233", c.temporalAddress());
    assertEquals("default", c.namespace());
    assertEquals("http://127.0.0.1:9000", c.s3Endpoint());
    assertTrue(c.jdbcUrl().startsWith("jdbc:h2:tcp://127.0.0.1:9092/" + dir.resolve("h2")), c.jdbcUrl());
    assertEquals("default", c.origins().get(ConfigLoader.S3_ENDPOINT));
  }

  @Test
  void flagBeatsEnvBeatsFileBeatsDefault() throws Exception {
    Files.writeString(dir.resolve("config.yaml"), """
        temporal:
          address: file:7233
          namespace: from-file
        s3:
          endpoint: http://file:9000
          access_key: file-key
        jdbc.url: jdbc:postgresql://file/db
        """);
    Map<String, String> env = Map.of("PRETRAIN_TEMPORAL", "env:7233", "PRETRAIN_S3_ENDPOINT", "http://env:9000");
    Map<String, String> flags = new HashMap<>();
    flags.put(ConfigLoader.TEMPORAL_ADDRESS, "flag:7233");
    PretrainConfig c = ConfigLoader.load(flags, env, dir, null);
    assertEquals("flag:7233", c.temporalAddress());
    assertEquals("http://env:9000", c.s3Endpoint());
    assertEquals("from-file", c.namespace());
    assertEquals("file-key", c.s3AccessKey());
    assertEquals("jdbc:postgresql://file/db", c.jdbcUrl());
    assertEquals("pretrain", c.bucket());
    assertEquals("flag", c.origins().get(ConfigLoader.TEMPORAL_ADDRESS));
    assertEquals("env PRETRAIN_S3_ENDPOINT", c.origins().get(ConfigLoader.S3_ENDPOINT));
    assertEquals("file", c.origins().get(ConfigLoader.NAMESPACE));
  }

  @Test
  void explicitConfigFileAndUnknownKeys() throws Exception {
    Path f = dir.resolve("other.yaml");
    Files.writeString(f, "s3:\n  endpiont: http://typo\n");
    ConfigLoader.ConfigException e = assertThrows(ConfigLoader.ConfigException.class,
        () -> ConfigLoader.load(Map.of(), Map.of(), dir, f));
    assertTrue(e.getMessage().contains("endpiont"), e.getMessage());
    assertThrows(ConfigLoader.ConfigException.class,
        () -> ConfigLoader.load(Map.of(), Map.of(), dir, dir.resolve("missing.yaml")));
  }

  @Test
  void secretsAreNeverShown() {
    Map<String, String> env = Map.of("PRETRAIN_S3_SECRET_KEY", "s3cr3t-value", "PRETRAIN_JDBC_PASSWORD", "pw-value");
    PretrainConfig c = ConfigLoader.load(Map.of(), env, dir, null);
    assertEquals("s3cr3t-value", c.s3SecretKey());
    String shown = c.toString() + c.describe();
    assertFalse(shown.contains("s3cr3t-value"), shown);
    assertFalse(shown.contains("pw-value"), shown);
  }

  @Test
  void secretsComeFromTheEnvironmentOrAnOwnerOnlyFileNeverFromFlags() throws Exception {
    Map<String, String> flags = new HashMap<>();
    flags.put(ConfigLoader.S3_SECRET_KEY, "on-the-command-line");
    ConfigLoader.ConfigException flag = assertThrows(ConfigLoader.ConfigException.class,
        () -> ConfigLoader.load(flags, Map.of(), dir, null));
    assertTrue(flag.getMessage().contains("never from a command-line flag"), flag.getMessage());

    Path f = dir.resolve("secrets.yaml");
    Files.writeString(f, "s3:\n  secret-key: from-file\n");
    Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    ConfigLoader.ConfigException open = assertThrows(ConfigLoader.ConfigException.class,
        () -> ConfigLoader.load(Map.of(), Map.of(), dir, f));
    assertTrue(open.getMessage().contains("chmod 600 " + f), open.getMessage());

    Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    assertEquals("from-file", ConfigLoader.load(Map.of(), Map.of(), dir, f).s3SecretKey());
    // a world-readable file without secrets is fine
    Path plain = dir.resolve("plain.yaml");
    Files.writeString(plain, "bucket: other\n");
    Files.setPosixFilePermissions(plain, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    assertEquals("other", ConfigLoader.load(Map.of(), Map.of(), dir, plain).bucket());
  }

  @Test
  void temporalTlsIsOffUnlessConfigured() {
    assertFalse(ConfigLoader.load(Map.of(), Map.of(), dir, null).temporalTls().enabled());
    PretrainConfig c = ConfigLoader.load(Map.of(), Map.of("PRETRAIN_TEMPORAL_TLS_CA", "/etc/ssl/temporal-ca.pem",
        "PRETRAIN_TEMPORAL_TLS_SERVER_NAME", "temporal.internal"), dir, null);
    assertTrue(c.temporalTls().enabled());
    assertEquals(Path.of("/etc/ssl/temporal-ca.pem"), c.temporalTls().caCert());
    assertEquals("temporal.internal", c.temporalTls().serverName());
    // a missing CA file is named when the connection is made
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.temporalTls().sslContext());
    assertTrue(e.getMessage().contains("temporal-ca.pem"), e.getMessage());
  }

  @Test
  void dataDirFromFlagThenEnvThenCwd() {
    assertEquals(Path.of("/x/flag"), ConfigLoader.dataDir("/x/flag", Map.of("PRETRAIN_HOME", "/x/env")));
    assertEquals(Path.of("/x/env"), ConfigLoader.dataDir(null, Map.of("PRETRAIN_HOME", "/x/env")));
    assertEquals(Path.of(".pretrain").toAbsolutePath(), ConfigLoader.dataDir(null, Map.of()));
  }
}
