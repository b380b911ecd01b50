package dev.pretrain.workflows;

/**
 * A reference to an immutable object in S3-compatible storage. This is all a step passes on:
 * data never travels in Temporal payloads (docs/architecture.md §3).
 *
 * @param uri       {@code s3://bucket/key}
 * @param sha256    hex SHA-256 of the object's bytes
 * @param sizeBytes object size in bytes
 */
public record ArtifactRef(String uri, String sha256, long sizeBytes) {

  public String bucket() {
    return parse()[0];
  }

  public String key() {
    return parse()[1];
  }

  private String[] parse() {
    if (!uri.startsWith("s3://")) {
      throw new IllegalArgumentException("not an s3:// URI: " + uri);
    }
    String rest = uri.substring("s3://".length());
    int slash = rest.indexOf('/');
    if (slash <= 0 || slash == rest.length() - 1) {
      throw new IllegalArgumentException("expected s3://bucket/key, got " + uri);
    }
    return new String[] {rest.substring(0, slash), rest.substring(slash + 1)};
  }

  public static String s3Uri(String bucket, String key) {
    return "s3://" + bucket + "/" + key;
  }
}
