package dev.pretrain.ops.config;

import dev.pretrain.db.Database;
import dev.pretrain.db.storage.ObjectStore;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the pipeline's servers are and how to log in, resolved from flags, environment, config file
 * and defaults (in that order of precedence) by {@link ConfigLoader}. The defaults are the local
 * stack that {@code pretrain up} starts; pointing at a real cluster is only a matter of these values.
 *
 * @param origins for each key, where its value came from: flag, env, file or default
 * @param metricsPort port of a worker's Prometheus endpoint {@code /metrics}; 0: none
 * @param policyFile  the sovereignty policy (docs/sovereignty.md), or null for none
 * @param region      the region a worker declares, or null
 * @param openLineage where a worker sends the OpenLineage events of its steps
 */
public record PretrainConfig(
    Path dataDir,
    String temporalAddress,
    String namespace,
    String temporalUi,
    String s3Endpoint,
    String s3AccessKey,
    String s3SecretKey,
    String s3Region,
    String jdbcUrl,
    String jdbcUser,
    String jdbcPassword,
    String bucket,
    Map<String, String> origins,
    int metricsPort,
    dev.pretrain.ops.client.TemporalTls temporalTls,
    String policyFile,
    String region,
    OpenLineageConfig openLineage) {

  /** With a sovereignty policy and region, and the default OpenLineage settings (a file under the data directory). */
  public PretrainConfig(Path dataDir, String temporalAddress, String namespace, String temporalUi, String s3Endpoint,
      String s3AccessKey, String s3SecretKey, String s3Region, String jdbcUrl, String jdbcUser, String jdbcPassword,
      String bucket, Map<String, String> origins, int metricsPort, dev.pretrain.ops.client.TemporalTls temporalTls,
      String policyFile, String region) {
    this(dataDir, temporalAddress, namespace, temporalUi, s3Endpoint, s3AccessKey, s3SecretKey, s3Region, jdbcUrl,
        jdbcUser, jdbcPassword, bucket, origins, metricsPort, temporalTls, policyFile, region,
        OpenLineageConfig.defaults(dataDir));
  }

  /** Without a sovereignty policy or region, with these OpenLineage settings. */
  public PretrainConfig(Path dataDir, String temporalAddress, String namespace, String temporalUi, String s3Endpoint,
      String s3AccessKey, String s3SecretKey, String s3Region, String jdbcUrl, String jdbcUser, String jdbcPassword,
      String bucket, Map<String, String> origins, int metricsPort, dev.pretrain.ops.client.TemporalTls temporalTls,
      OpenLineageConfig openLineage) {
    this(dataDir, temporalAddress, namespace, temporalUi, s3Endpoint, s3AccessKey, s3SecretKey, s3Region, jdbcUrl,
        jdbcUser, jdbcPassword, bucket, origins, metricsPort, temporalTls, null, null, openLineage);
  }

  /** Without a sovereignty policy or region, with the default OpenLineage settings. */
  public PretrainConfig(Path dataDir, String temporalAddress, String namespace, String temporalUi, String s3Endpoint,
      String s3AccessKey, String s3SecretKey, String s3Region, String jdbcUrl, String jdbcUser, String jdbcPassword,
      String bucket, Map<String, String> origins, int metricsPort, dev.pretrain.ops.client.TemporalTls temporalTls) {
    this(dataDir, temporalAddress, namespace, temporalUi, s3Endpoint, s3AccessKey, s3SecretKey, s3Region, jdbcUrl,
        jdbcUser, jdbcPassword, bucket, origins, metricsPort, temporalTls, null, null,
        OpenLineageConfig.defaults(dataDir));
  }

  public PretrainConfig(Path dataDir, String temporalAddress, String namespace, String temporalUi, String s3Endpoint,
      String s3AccessKey, String s3SecretKey, String s3Region, String jdbcUrl, String jdbcUser, String jdbcPassword,
      String bucket, Map<String, String> origins, int metricsPort) {
    this(dataDir, temporalAddress, namespace, temporalUi, s3Endpoint, s3AccessKey, s3SecretKey, s3Region, jdbcUrl,
        jdbcUser, jdbcPassword, bucket, origins, metricsPort, dev.pretrain.ops.client.TemporalTls.off());
  }

  /** Without a metrics port: the default one. */
  public PretrainConfig(Path dataDir, String temporalAddress, String namespace, String temporalUi, String s3Endpoint,
      String s3AccessKey, String s3SecretKey, String s3Region, String jdbcUrl, String jdbcUser, String jdbcPassword,
      String bucket, Map<String, String> origins) {
    this(dataDir, temporalAddress, namespace, temporalUi, s3Endpoint, s3AccessKey, s3SecretKey, s3Region, jdbcUrl,
        jdbcUser, jdbcPassword, bucket, origins, ConfigLoader.METRICS_DEFAULT_PORT);
  }

  /** Bucket that {@code corpus fetch} fills and {@code demo} reads. */
  public static final String CORPUS_BUCKET = "corpus";

  public Database openDatabase() {
    return Database.open(jdbcUrl, jdbcUser, jdbcPassword);
  }

  public ObjectStore objectStore() {
    return new ObjectStore(s3Endpoint, s3AccessKey, s3SecretKey, s3Region);
  }

  /**
   * Temporal Web UI link to a run: the workflow list filtered to its workflow id (one click to the
   * execution). The UI's execution page needs the Temporal run id as well, which a link printed
   * before the run starts does not have; {@code /workflows/<id>} alone answers 400 in UI 2.50.
   */
  public String workflowUrl(String workflowId) {
    String query = java.net.URLEncoder.encode("WorkflowId=\"" + workflowId + "\"", java.nio.charset.StandardCharsets.UTF_8)
        .replace("+", "%20");
    return temporalUi + "/namespaces/" + namespace + "/workflows?query=" + query;
  }

  /** The values as {@code key -> value}, with passwords and secret keys masked. */
  public Map<String, String> describe() {
    Map<String, String> m = new java.util.LinkedHashMap<>();
    m.put("data-dir", dataDir.toString());
    m.put(ConfigLoader.TEMPORAL_ADDRESS, temporalAddress);
    m.put(ConfigLoader.NAMESPACE, namespace);
    m.put(ConfigLoader.TEMPORAL_UI, temporalUi);
    m.put(ConfigLoader.S3_ENDPOINT, s3Endpoint);
    m.put(ConfigLoader.S3_ACCESS_KEY, s3AccessKey);
    m.put(ConfigLoader.S3_SECRET_KEY, mask(s3SecretKey));
    m.put(ConfigLoader.S3_REGION, s3Region);
    m.put(ConfigLoader.JDBC_URL, jdbcUrl);
    m.put(ConfigLoader.JDBC_USER, jdbcUser);
    m.put(ConfigLoader.JDBC_PASSWORD, mask(jdbcPassword));
    m.put(ConfigLoader.BUCKET, bucket);
    m.put(ConfigLoader.METRICS_PORT, Integer.toString(metricsPort));
    m.put(ConfigLoader.POLICY, policyFile == null ? "(none)" : policyFile);
    m.put(ConfigLoader.REGION, region == null ? "(none)" : region);
    if (openLineage != null) {
      m.put(ConfigLoader.OPENLINEAGE_FILE, openLineage.file() == null ? OpenLineageConfig.OFF : openLineage.file().toString());
      m.put(ConfigLoader.OPENLINEAGE_URL, openLineage.url() == null ? "(none)" : openLineage.url().toString());
      m.put(ConfigLoader.OPENLINEAGE_NAMESPACE, openLineage.namespace());
    }
    if (temporalTls != null && temporalTls.enabled()) {
      m.put(ConfigLoader.TEMPORAL_TLS_CERT, String.valueOf(temporalTls.certChain()));
      m.put(ConfigLoader.TEMPORAL_TLS_KEY, String.valueOf(temporalTls.privateKey()));
      m.put(ConfigLoader.TEMPORAL_TLS_CA, String.valueOf(temporalTls.caCert()));
      m.put(ConfigLoader.TEMPORAL_TLS_SERVER_NAME, String.valueOf(temporalTls.serverName()));
    }
    return m;
  }

  private static String mask(String secret) {
    return secret == null || secret.isEmpty() ? "(empty)" : "****";
  }

  @Override
  public String toString() {
    return "PretrainConfig" + describe();
  }
}
