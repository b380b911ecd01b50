package dev.pretrain.db.storage;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.GetObjectLockConfigurationArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.errors.ErrorResponseException;
import io.minio.messages.Item;
import io.minio.messages.Retention;
import io.minio.messages.RetentionMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.ByteArrayInputStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * S3-compatible object storage through the MinIO client. Every object we write carries its SHA-256
 * in user metadata ({@code x-amz-meta-sha256}), so a reader can verify it without our database.
 */
public final class ObjectStore {

  public static final String SHA256_META = "sha256";

  private final MinioClient client;
  private final String endpoint;
  private final String region;

  public ObjectStore(String endpoint, String accessKey, String secretKey, String region) {
    this.endpoint = endpoint;
    this.region = region;
    MinioClient.Builder builder = MinioClient.builder().endpoint(endpoint).credentials(accessKey, secretKey);
    if (region != null && !region.isBlank()) {
      builder.region(region);
    }
    this.client = builder.build();
  }

  public String endpoint() {
    return endpoint;
  }

  public String region() {
    return region;
  }

  /** A stored object: where it is, its digest and size. */
  /** An object; {@code etag} is the server's version tag (null where not asked for). */
  public record Stored(String bucket, String key, String sha256, long sizeBytes, String etag) {
    public Stored(String bucket, String key, String sha256, long sizeBytes) {
      this(bucket, key, sha256, sizeBytes, null);
    }

    public String uri() {
      return "s3://" + bucket + "/" + key;
    }
  }

  public void ensureBucket(String bucket) {
    call(() -> {
      if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
        client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
      }
      return null;
    }, "create bucket " + bucket);
  }

  /** Whether the bucket exists (planning tells a missing bucket, a configuration error, from an empty one). */
  public boolean bucketExists(String bucket) {
    return call(() -> client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build()), "check bucket " + bucket);
  }

  /**
   * Object keys must not climb out of their bucket: a file-system backed server (S3Proxy's, SeaweedFS
   * filer) maps keys to paths, so {@code ..} or {@code .} segments, a leading slash, backslashes and
   * control characters are refused before any request is made.
   */
  public static void requireSafeKey(String bucket, String key) {
    if (bucket == null || !bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
      throw new StorageException("invalid bucket name '" + bucket + "'", null);
    }
    if (key == null || key.isEmpty() || key.startsWith("/") || key.indexOf('\\') >= 0
        || key.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new StorageException("invalid object key '" + key + "' in bucket " + bucket
          + ": empty, absolute, or with a backslash or control character", null);
    }
    for (String segment : key.split("/", -1)) {
      if (segment.equals("..") || segment.equals(".")) {
        throw new StorageException("object key '" + key + "' in bucket " + bucket + " has a '" + segment
            + "' segment; keys may not climb out of their prefix", null);
      }
    }
  }

  /** Uploads a local file, computing its SHA-256 first and storing it as user metadata. */
  public Stored putFile(String bucket, String key, Path file, String contentType) {
    requireSafeKey(bucket, key);
    String sha = sha256(file);
    long size = sizeOf(file);
    call(() -> {
      try (InputStream in = Files.newInputStream(file)) {
        client.putObject(PutObjectArgs.builder()
            .bucket(bucket)
            .object(key)
            .stream(in, size, null)
            .contentType(contentType == null ? "application/octet-stream" : contentType)
            .userMetadata(Map.of(SHA256_META, sha))
            .build());
      }
      return null;
    }, "put s3://" + bucket + "/" + key);
    return new Stored(bucket, key, sha, size);
  }

  /**
   * Whether the bucket was created with S3 Object Lock. False where the server does not implement it
   * (S3Proxy answers NotImplemented) as well as where the bucket simply has none.
   */
  public boolean objectLockEnabled(String bucket) {
    try {
      var config = client.getObjectLockConfiguration(GetObjectLockConfigurationArgs.builder().bucket(bucket).build());
      return config != null;
    } catch (ErrorResponseException e) {
      return false;
    } catch (Exception e) {
      throw new StorageException("object lock configuration of bucket " + bucket + ": " + e.getMessage(), e);
    }
  }

  /** What a locked put got: the object, its version and the retention the server accepted (null: none). */
  public record LockedPut(Stored stored, String versionId, Instant retainUntil) {}

  /**
   * Puts small bytes (with their SHA-256 in metadata), under COMPLIANCE retention until
   * {@code retainUntil} when the bucket has object lock: no one, the root account included, can then
   * delete or shorten that version before the date; an overwrite only adds a newer version.
   */
  public LockedPut putBytesRetained(String bucket, String key, byte[] data, String contentType, Instant retainUntil) {
    requireSafeKey(bucket, key);
    String sha;
    try {
      sha = sha256(new ByteArrayInputStream(data));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    boolean lock = retainUntil != null && objectLockEnabled(bucket);
    io.minio.ObjectWriteResponse r = call(() -> {
      PutObjectArgs.Builder b = PutObjectArgs.builder().bucket(bucket).object(key)
          .stream(new ByteArrayInputStream(data), (long) data.length, null)
          .contentType(contentType == null ? "application/octet-stream" : contentType)
          .userMetadata(Map.of(SHA256_META, sha));
      if (lock) {
        b.retention(new Retention(RetentionMode.COMPLIANCE, retainUntil.atZone(ZoneOffset.UTC)));
      }
      return client.putObject(b.build());
    }, "put s3://" + bucket + "/" + key);
    return new LockedPut(new Stored(bucket, key, sha, data.length, r.etag()), r.versionId(), lock ? retainUntil : null);
  }

  /** The whole (small) object, or empty if there is none. */
  public Optional<byte[]> readBytes(String bucket, String key) {
    if (stat(bucket, key).isEmpty()) {
      return Optional.empty();
    }
    try (InputStream in = open(bucket, key)) {
      return Optional.of(in.readAllBytes());
    } catch (IOException e) {
      throw new StorageException("read s3://" + bucket + "/" + key + ": " + e.getMessage(), e);
    }
  }

  public InputStream open(String bucket, String key) {
    requireSafeKey(bucket, key);
    return call(() -> client.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build()),
        "get s3://" + bucket + "/" + key);
  }

  /** {@code length} bytes of an object from {@code offset} (an HTTP range request). */
  public byte[] readRange(String bucket, String key, long offset, int length) {
    requireSafeKey(bucket, key);
    String what = "get s3://" + bucket + "/" + key + " bytes " + offset + "+" + length;
    try (InputStream in = call(() -> client.getObject(
        GetObjectArgs.builder().bucket(bucket).object(key).offset(offset).length((long) length).build()), what)) {
      byte[] data = in.readAllBytes();
      if (data.length != length) {
        throw new StorageException(what + ": got " + data.length + " bytes (object shorter than expected)", null);
      }
      return data;
    } catch (IOException e) {
      throw new StorageException(what + ": " + e.getMessage(), e);
    }
  }

  /** Downloads an object to a local file and returns its SHA-256 as read. */
  public String download(String bucket, String key, Path target) {
    try (InputStream in = open(bucket, key)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      Files.createDirectories(target.toAbsolutePath().getParent());
      try (DigestInputStream din = new DigestInputStream(in, md);
          OutputStream out = Files.newOutputStream(target)) {
        din.transferTo(out);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new StorageException("download s3://" + bucket + "/" + key + " to " + target + ": " + e.getMessage(), e);
    }
  }

  /** Object size and the SHA-256 from its metadata, or empty if there is no such object. */
  public Optional<Stored> stat(String bucket, String key) {
    requireSafeKey(bucket, key);
    try {
      StatObjectResponse r = client.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build());
      String sha = r.userMetadata().getFirst(SHA256_META);
      return Optional.of(new Stored(bucket, key, sha, r.size(), r.etag()));
    } catch (ErrorResponseException e) {
      String code = e.errorResponse().code();
      if ("NoSuchKey".equals(code) || "NoSuchBucket".equals(code) || "NoSuchObject".equals(code)) {
        return Optional.empty();
      }
      throw new StorageException("stat s3://" + bucket + "/" + key + ": " + e.getMessage(), e);
    } catch (Exception e) {
      throw new StorageException("stat s3://" + bucket + "/" + key + ": " + e.getMessage(), e);
    }
  }

  /** Reads the whole object and computes its SHA-256 (does not trust metadata). */
  public String sha256Of(String bucket, String key) {
    try (InputStream in = open(bucket, key)) {
      return sha256(in);
    } catch (IOException e) {
      throw new StorageException("read s3://" + bucket + "/" + key + ": " + e.getMessage(), e);
    }
  }

  /** Objects under a prefix (recursive), sorted by key. */
  public List<Stored> list(String bucket, String prefix) {
    return call(() -> {
      List<Stored> out = new ArrayList<>();
      for (Result<Item> r : client.listObjects(
          ListObjectsArgs.builder().bucket(bucket).prefix(prefix).recursive(true).build())) {
        Item item = r.get();
        if (!item.isDir()) {
          out.add(new Stored(bucket, item.objectName(), null, item.size(), item.etag()));
        }
      }
      out.sort(java.util.Comparator.comparing(Stored::key));
      return out;
    }, "list s3://" + bucket + "/" + prefix);
  }

  public void remove(String bucket, String key) {
    requireSafeKey(bucket, key);
    call(() -> {
      client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build());
      return null;
    }, "remove s3://" + bucket + "/" + key);
  }

  public static String sha256(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return sha256(in);
    } catch (IOException e) {
      throw new StorageException("read " + file + ": " + e.getMessage(), e);
    }
  }

  public static String sha256(InputStream in) throws IOException {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long sizeOf(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new StorageException("size of " + file + ": " + e.getMessage(), e);
    }
  }

  @FunctionalInterface
  private interface Call<T> {
    T run() throws Exception;
  }

  private static <T> T call(Call<T> call, String what) {
    try {
      return call.run();
    } catch (StorageException e) {
      throw e;
    } catch (Exception e) {
      throw new StorageException(what + ": " + e.getMessage(), e);
    }
  }
}
