package dev.pretrain.ops.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.pretrain.db.Database;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Resolves {@link PretrainConfig}: flag > environment variable > config file > default.
 *
 * <p>The config file is {@code --config FILE}, else {@code <data-dir>/config.yaml} if it exists. It
 * may nest keys ({@code s3: {endpoint: ...}}) or write them dotted ({@code s3.endpoint: ...});
 * {@code accessKey}, {@code access-key} and {@code access_key} are the same key. An unknown key is an
 * error, so that a typo does not silently fall back to the local default.
 */
public final class ConfigLoader {

  public static final String TEMPORAL_ADDRESS = "temporal.address";
  public static final String NAMESPACE = "temporal.namespace";
  public static final String TEMPORAL_UI = "temporal.ui";
  public static final String S3_ENDPOINT = "s3.endpoint";
  public static final String S3_ACCESS_KEY = "s3.access-key";
  public static final String S3_SECRET_KEY = "s3.secret-key";
  public static final String S3_REGION = "s3.region";
  public static final String JDBC_URL = "jdbc.url";
  public static final String JDBC_USER = "jdbc.user";
  public static final String JDBC_PASSWORD = "jdbc.password";
  public static final String BUCKET = "bucket";
  /** Port of a worker's Prometheus endpoint ({@code metricsPort} in a config file); 0 turns it off. */
  public static final String METRICS_PORT = "metrics-port";
  /** TLS towards a Temporal cluster: PEM client certificate chain, its PKCS#8 key, CA bundle, server name. */
  public static final String TEMPORAL_TLS_CERT = "temporal.tls-cert";
  public static final String TEMPORAL_TLS_KEY = "temporal.tls-key";
  public static final String TEMPORAL_TLS_CA = "temporal.tls-ca";
  public static final String TEMPORAL_TLS_SERVER_NAME = "temporal.tls-server-name";
  /** OpenLineage run events (docs/openlineage.md): the JSON-lines file ("off" for none), an HTTP endpoint, the namespace. */
  public static final String OPENLINEAGE_FILE = "openlineage.file";
  public static final String OPENLINEAGE_URL = "openlineage.url";
  public static final String OPENLINEAGE_NAMESPACE = "openlineage.namespace";

  /** The sovereignty policy file (docs/sovereignty.md); empty: no policy, every run unrestricted. */
  public static final String POLICY = "policy";
  /** The region a worker declares: it serves that region's queues of the policy. Empty: none. */
  public static final String REGION = "region";

  /** Keys whose values are secrets: never from flags, never printed. */
  public static final java.util.Set<String> SECRET_KEYS = java.util.Set.of("s3.secret-key", "jdbc.password");

  public static final String HOME_ENV = "PRETRAIN_HOME";

  /** Environment variable of each key. */
  public static final Map<String, String> ENV_NAMES = orderedMap(
      TEMPORAL_ADDRESS, "PRETRAIN_TEMPORAL",
      NAMESPACE, "PRETRAIN_NAMESPACE",
      TEMPORAL_UI, "PRETRAIN_TEMPORAL_UI",
      S3_ENDPOINT, "PRETRAIN_S3_ENDPOINT",
      S3_ACCESS_KEY, "PRETRAIN_S3_ACCESS_KEY",
      S3_SECRET_KEY, "PRETRAIN_S3_SECRET_KEY",
      S3_REGION, "PRETRAIN_S3_REGION",
      JDBC_URL, "PRETRAIN_JDBC_URL",
      JDBC_USER, "PRETRAIN_JDBC_USER",
      JDBC_PASSWORD, "PRETRAIN_JDBC_PASSWORD",
      BUCKET, "PRETRAIN_BUCKET",
      METRICS_PORT, "PRETRAIN_METRICS_PORT",
      TEMPORAL_TLS_CERT, "PRETRAIN_TEMPORAL_TLS_CERT",
      TEMPORAL_TLS_KEY, "PRETRAIN_TEMPORAL_TLS_KEY",
      TEMPORAL_TLS_CA, "PRETRAIN_TEMPORAL_TLS_CA",
      TEMPORAL_TLS_SERVER_NAME, "PRETRAIN_TEMPORAL_TLS_SERVER_NAME",
      POLICY, "PRETRAIN_POLICY",
      REGION, "PRETRAIN_REGION",
      OPENLINEAGE_FILE, "PRETRAIN_OPENLINEAGE_FILE",
      OPENLINEAGE_URL, "PRETRAIN_OPENLINEAGE_URL",
      OPENLINEAGE_NAMESPACE, "PRETRAIN_OPENLINEAGE_NAMESPACE");

  /** Ports of the local stack that {@code pretrain up} starts; the defaults point at them. */
  public static final int TEMPORAL_PORT = 7233;
  public static final int UI_PORT = 8233;
  public static final int S3_PORT = 9000;
  public static final int H2_PORT = 9092;
  /** The port that Prometheus exporters of JVM programs conventionally use. */
  public static final int METRICS_DEFAULT_PORT = 9464;

  public static final String DEFAULT_ACCESS_KEY = "pretrain";
  public static final String DEFAULT_SECRET_KEY = "pretrain-secret";

  private ConfigLoader() {}

  /** {@code --data-dir} > {@code $PRETRAIN_HOME} > {@code ./.pretrain}. */
  public static Path dataDir(String flag, Map<String, String> env) {
    String d = flag != null ? flag : env.get(HOME_ENV);
    return Path.of(d != null && !d.isBlank() ? d : ".pretrain").toAbsolutePath().normalize();
  }

  public static Map<String, String> defaults(Path dataDir) {
    return orderedMap(
        TEMPORAL_ADDRESS, "127.0.0.1:" + TEMPORAL_PORT,
        NAMESPACE, "default",
        TEMPORAL_UI, "http://localhost:" + UI_PORT,
        S3_ENDPOINT, "http://127.0.0.1:" + S3_PORT,
        S3_ACCESS_KEY, DEFAULT_ACCESS_KEY,
        S3_SECRET_KEY, DEFAULT_SECRET_KEY,
        S3_REGION, "us-east-1",
        JDBC_URL, Database.h2ServerUrl(H2_PORT, dataDir.resolve("h2")),
        JDBC_USER, "sa",
        JDBC_PASSWORD, "",
        BUCKET, "pretrain",
        METRICS_PORT, Integer.toString(METRICS_DEFAULT_PORT),
        TEMPORAL_TLS_CERT, "",
        TEMPORAL_TLS_KEY, "",
        TEMPORAL_TLS_CA, "",
        TEMPORAL_TLS_SERVER_NAME, "",
        POLICY, "",
        REGION, "",
        OPENLINEAGE_FILE, OpenLineageConfig.defaultFile(dataDir).toString(),
        OPENLINEAGE_URL, "",
        OPENLINEAGE_NAMESPACE, OpenLineageConfig.DEFAULT_NAMESPACE);
  }

  /**
   * @param flags      values given on the command line, by key (absent keys were not given)
   * @param env        the environment
   * @param configFile {@code --config}, or null to use {@code <data-dir>/config.yaml} if present
   */
  public static PretrainConfig load(Map<String, String> flags, Map<String, String> env, Path dataDir,
      Path configFile) {
    Map<String, String> file = Map.of();
    if (configFile != null) {
      if (!Files.isRegularFile(configFile)) {
        throw new ConfigException("config file not found: " + configFile);
      }
      file = readFile(configFile);
    } else if (Files.isRegularFile(dataDir.resolve("config.yaml"))) {
      file = readFile(dataDir.resolve("config.yaml"));
    }
    for (String secret : SECRET_KEYS) {
      if (flags.get(secret) != null) {
        // a flag shows in the process list; the environment and an owner-only file do not
        throw new ConfigException(secret + " is read from " + ENV_NAMES.get(secret)
            + " or a config file readable only by its owner, never from a command-line flag");
      }
    }
    Map<String, String> values = new LinkedHashMap<>();
    Map<String, String> origins = new LinkedHashMap<>();
    for (Map.Entry<String, String> d : defaults(dataDir).entrySet()) {
      String key = d.getKey();
      String envValue = env.get(ENV_NAMES.get(key));
      if (flags.get(key) != null) {
        values.put(key, flags.get(key));
        origins.put(key, "flag");
      } else if (envValue != null) {
        values.put(key, envValue);
        origins.put(key, "env " + ENV_NAMES.get(key));
      } else if (file.containsKey(key)) {
        values.put(key, file.get(key));
        origins.put(key, "file");
      } else {
        values.put(key, d.getValue());
        origins.put(key, "default");
      }
    }
    String endpoint = values.get(S3_ENDPOINT);
    if (!endpoint.startsWith("http://") && !endpoint.startsWith("https://")) {
      throw new ConfigException(S3_ENDPOINT + " must start with http:// or https://, got " + endpoint);
    }
    return new PretrainConfig(dataDir, values.get(TEMPORAL_ADDRESS), values.get(NAMESPACE),
        stripSlash(values.get(TEMPORAL_UI)), stripSlash(endpoint), values.get(S3_ACCESS_KEY),
        values.get(S3_SECRET_KEY), values.get(S3_REGION), values.get(JDBC_URL), values.get(JDBC_USER),
        values.get(JDBC_PASSWORD), values.get(BUCKET), Map.copyOf(origins),
        port(METRICS_PORT, values.get(METRICS_PORT), origins.get(METRICS_PORT)),
        dev.pretrain.ops.client.TemporalTls.of(values.get(TEMPORAL_TLS_CERT), values.get(TEMPORAL_TLS_KEY),
            values.get(TEMPORAL_TLS_CA), values.get(TEMPORAL_TLS_SERVER_NAME)),
        blankToNull(values.get(POLICY)), blankToNull(values.get(REGION)),
        OpenLineageConfig.of(values.get(OPENLINEAGE_FILE), values.get(OPENLINEAGE_URL),
            values.get(OPENLINEAGE_NAMESPACE), origins));
  }

  /** A TCP port 0..65535 (0: off), or a one-line error naming where the bad value came from. */
  static int port(String key, String value, String origin) {
    try {
      int p = Integer.parseInt(value.trim());
      if (p >= 0 && p <= 65535) {
        return p;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new ConfigException(key + " must be a port number 0..65535 (0 turns it off), got '" + value + "' ("
        + origin + ")");
  }

  /** Reads a YAML config file into canonical keys. */
  static Map<String, String> readFile(Path file) {
    JsonNode root;
    try {
      root = new YAMLMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
    }
    Map<String, String> flat = new LinkedHashMap<>();
    if (root != null && !root.isNull() && !root.isMissingNode()) {
      if (!root.isObject()) {
        throw new ConfigException("config file " + file + " must be a mapping of keys to values");
      }
      flatten("", root, flat);
    }
    Map<String, String> byNormal = new LinkedHashMap<>();
    for (String key : ENV_NAMES.keySet()) {
      byNormal.put(normalize(key), key);
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : flat.entrySet()) {
      String key = byNormal.get(normalize(e.getKey()));
      if (key == null) {
        throw new ConfigException("unknown key '" + e.getKey() + "' in " + file + "; known keys: "
            + String.join(", ", ENV_NAMES.keySet()));
      }
      out.put(key, e.getValue());
    }
    requireOwnerOnly(file, out);
    return out;
  }

  /**
   * A config file that holds a secret must be readable by its owner only (mode 600): anyone who can
   * read it can use the object store or the database.
   */
  static void requireOwnerOnly(Path file, Map<String, String> values) {
    List<String> secrets = values.keySet().stream().filter(SECRET_KEYS::contains).sorted().toList();
    if (secrets.isEmpty()) {
      return;
    }
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      boolean others = perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)
          || perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE);
      if (others) {
        throw new ConfigException("config file " + file + " holds " + String.join(", ", secrets)
            + " but other users can read it (" + PosixFilePermissions.toString(perms) + "); run: chmod 600 " + file);
      }
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: nothing to check
    } catch (IOException e) {
      throw new ConfigException("cannot read the permissions of " + file + ": " + e.getMessage());
    }
  }

  private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      if (e.getValue().isObject()) {
        flatten(key, e.getValue(), out);
      } else if (!e.getValue().isNull()) {
        out.put(key, e.getValue().asText());
      }
    }
  }

  private static String normalize(String key) {
    return key.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }

  private static String stripSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  private static Map<String, String> orderedMap(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return java.util.Collections.unmodifiableMap(m);
  }

  /** Bad configuration: reported as a one-line error, never with a stack trace. */
  public static final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
      super(message);
    }
  }
}
