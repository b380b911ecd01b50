package dev.pretrain.ops.cli;

import dev.pretrain.ops.config.ConfigLoader;
import dev.pretrain.ops.config.PretrainConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * Options every command accepts, before or after the subcommand name (picocli inherited scope: the
 * values land here, on the instance the root command mixes in).
 */
public final class GlobalOptions {

  /** The options of the command line that {@code spec} belongs to: the ones its root command mixes in. */
  public static GlobalOptions of(CommandSpec spec) {
    for (CommandSpec mixin : spec.root().mixins().values()) {
      if (mixin.userObject() instanceof GlobalOptions g) {
        return g;
      }
    }
    throw new IllegalStateException("the root command " + spec.root().name() + " does not mix in GlobalOptions");
  }

  @Option(names = "--json", scope = ScopeType.INHERIT,
      description = "Machine-readable output on stdout (logs and progress stay on stderr).")
  boolean json;

  @Option(names = "--data-dir", scope = ScopeType.INHERIT, paramLabel = "DIR",
      description = "Local state: stack files, config.yaml, tools, work dirs (env PRETRAIN_HOME; default ./.pretrain).")
  String dataDir;

  @Option(names = "--config", scope = ScopeType.INHERIT, paramLabel = "FILE",
      description = "Config file (default <data-dir>/config.yaml if present).")
  Path configFile;

  @Option(names = "--temporal", scope = ScopeType.INHERIT, paramLabel = "HOST:PORT",
      description = "Temporal frontend (env PRETRAIN_TEMPORAL; default 127.0.0.1:7233).")
  String temporal;

  @Option(names = "--namespace", scope = ScopeType.INHERIT, description = "Temporal namespace (env PRETRAIN_NAMESPACE).")
  String namespace;

  @Option(names = "--temporal-ui", scope = ScopeType.INHERIT, paramLabel = "URL",
      description = "Temporal Web UI base URL for links (env PRETRAIN_TEMPORAL_UI; default http://localhost:8233).")
  String temporalUi;

  @Option(names = "--s3-endpoint", scope = ScopeType.INHERIT, paramLabel = "URL",
      description = "S3 endpoint (env PRETRAIN_S3_ENDPOINT; default http://127.0.0.1:9000).")
  String s3Endpoint;

  @Option(names = "--s3-access-key", scope = ScopeType.INHERIT, description = "env PRETRAIN_S3_ACCESS_KEY")
  String s3AccessKey;

  @Option(names = "--s3-region", scope = ScopeType.INHERIT, description = "env PRETRAIN_S3_REGION")
  String s3Region;

  @Option(names = "--jdbc-url", scope = ScopeType.INHERIT,
      description = "Metadata database (env PRETRAIN_JDBC_URL; default the local H2 server on 9092).")
  String jdbcUrl;

  @Option(names = "--jdbc-user", scope = ScopeType.INHERIT, description = "env PRETRAIN_JDBC_USER")
  String jdbcUser;

  @Option(names = "--bucket", scope = ScopeType.INHERIT, description = "Bucket for run artifacts (env PRETRAIN_BUCKET).")
  String bucket;

  @Option(names = "--openlineage-url", scope = ScopeType.INHERIT, paramLabel = "URL",
      description = "Also POST the steps' OpenLineage events to URL/api/v1/lineage, e.g. Marquez at http://HOST:5000 "
          + "(env PRETRAIN_OPENLINEAGE_URL; default none).")
  String openLineageUrl;

  @Option(names = "--openlineage-file", scope = ScopeType.INHERIT, paramLabel = "FILE",
      description = "JSON-lines file of the steps' OpenLineage events, or off (env PRETRAIN_OPENLINEAGE_FILE; "
          + "default <data-dir>/openlineage/events.jsonl).")
  String openLineageFile;

  @Option(names = "--openlineage-namespace", scope = ScopeType.INHERIT, paramLabel = "NS",
      description = "OpenLineage namespace of the pipeline's jobs (env PRETRAIN_OPENLINEAGE_NAMESPACE; default pretrain).")
  String openLineageNamespace;

  public boolean json() {
    return json;
  }

  public PretrainConfig resolve(Map<String, String> env) {
    Map<String, String> flags = new HashMap<>();
    flags.put(ConfigLoader.TEMPORAL_ADDRESS, temporal);
    flags.put(ConfigLoader.NAMESPACE, namespace);
    flags.put(ConfigLoader.TEMPORAL_UI, temporalUi);
    flags.put(ConfigLoader.S3_ENDPOINT, s3Endpoint);
    flags.put(ConfigLoader.S3_ACCESS_KEY, s3AccessKey);
    flags.put(ConfigLoader.S3_REGION, s3Region);
    flags.put(ConfigLoader.JDBC_URL, jdbcUrl);
    flags.put(ConfigLoader.JDBC_USER, jdbcUser);
    flags.put(ConfigLoader.BUCKET, bucket);
    flags.put(ConfigLoader.OPENLINEAGE_URL, openLineageUrl);
    flags.put(ConfigLoader.OPENLINEAGE_FILE, openLineageFile);
    flags.put(ConfigLoader.OPENLINEAGE_NAMESPACE, openLineageNamespace);
    Path data = ConfigLoader.dataDir(dataDir, env);
    return ConfigLoader.load(flags, env, data, configFile == null ? null : configFile.toAbsolutePath());
  }
}
