package dev.pretrain.ops.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Where a worker sends the OpenLineage events of its steps (docs/openlineage.md).
 *
 * @param file      the JSON-lines file events are appended to; null: none ({@code openlineage.file: off})
 * @param url       an HTTP endpoint taking {@code POST /api/v1/lineage} (Marquez); null: none
 * @param namespace the OpenLineage namespace of our jobs
 */
public record OpenLineageConfig(Path file, URI url, String namespace) {

  public static final String DEFAULT_NAMESPACE = "pretrain";
  public static final String OFF = "off";

  public static Path defaultFile(Path dataDir) {
    return dataDir.resolve("openlineage").resolve("events.jsonl");
  }

  public static OpenLineageConfig defaults(Path dataDir) {
    return new OpenLineageConfig(defaultFile(dataDir), null, DEFAULT_NAMESPACE);
  }

  /** From configured values; a bad URL is a one-line error naming where it came from. */
  static OpenLineageConfig of(String file, String url, String namespace, Map<String, String> origins) {
    String f = file == null ? "" : file.trim().toLowerCase(Locale.ROOT);
    // YAML reads an unquoted off as false
    Path path = f.isEmpty() || f.equals(OFF) || f.equals("false") ? null : Path.of(file.trim()).toAbsolutePath().normalize();
    URI uri = null;
    if (url != null && !url.isBlank()) {
      try {
        uri = URI.create(url.trim());
      } catch (IllegalArgumentException e) {
        uri = null;
      }
      if (uri == null || uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
        throw new ConfigLoader.ConfigException(ConfigLoader.OPENLINEAGE_URL + " must be an http:// or https:// URL"
            + " (Marquez: http://HOST:5000), got '" + url + "' (" + origins.get(ConfigLoader.OPENLINEAGE_URL) + ")");
      }
    }
    String ns = namespace == null || namespace.isBlank() ? DEFAULT_NAMESPACE : namespace.trim();
    return new OpenLineageConfig(path, uri, ns);
  }
}
