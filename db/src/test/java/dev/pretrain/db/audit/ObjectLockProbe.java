package dev.pretrain.db.audit;

import io.minio.GetBucketVersioningArgs;
import io.minio.GetObjectArgs;
import io.minio.GetObjectLockConfigurationArgs;
import io.minio.GetObjectRetentionArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.ObjectWriteResponse;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.SetObjectRetentionArgs;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.messages.Item;
import io.minio.messages.Retention;
import io.minio.messages.RetentionMode;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;

/**
 * Prints what an S3 server does with object lock (not a test): bucket with object lock, a put with
 * COMPLIANCE retention, then overwrite and delete attempts. docs/audit.md records the answers.
 *
 * <p>Args: {@code s3proxy} (in-process S3Proxy 4.1.0, filesystem backend, as `pretrain up` runs it) or
 * {@code ENDPOINT ACCESS_KEY SECRET_KEY} (e.g. a `weed server -s3` gateway).
 */
public final class ObjectLockProbe {

  public static void main(String[] args) throws Exception {
    S3Proxy proxy = null;
    MinioClient client;
    if (args.length == 1 && args[0].equals("s3proxy")) {
      Path dir = Files.createTempDirectory("s3proxy-lock");
      Properties props = new Properties();
      props.setProperty("jclouds.filesystem.basedir", dir.toString());
      proxy = S3Proxy.builder().blobStore(BlobStores.create("filesystem", props))
          .endpoint(URI.create("http://127.0.0.1:0"))
          .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "probe", "probe-secret").build();
      proxy.start();
      while (!"STARTED".equals(proxy.getState())) {
        Thread.sleep(10);
      }
      client = MinioClient.builder().endpoint("http://127.0.0.1:" + proxy.getPort())
          .credentials("probe", "probe-secret").region("us-east-1").build();
    } else if (args.length == 3) {
      client = MinioClient.builder().endpoint(args[0]).credentials(args[1], args[2]).region("us-east-1").build();
    } else {
      System.err.println("usage: ObjectLockProbe s3proxy | ENDPOINT ACCESS_KEY SECRET_KEY");
      System.exit(2);
      return;
    }
    try {
      probe(client);
    } finally {
      if (proxy != null) {
        proxy.stop();
      }
    }
  }

  private static void probe(MinioClient c) {
    String bucket = "lock-probe-" + System.currentTimeMillis();
    String key = "runs/r1/audit/seal.json";
    boolean locked = step("create bucket with object lock", () -> {
      c.makeBucket(MakeBucketArgs.builder().bucket(bucket).objectLock(true).build());
      return bucket;
    });
    if (!locked) {
      // what a put with retention does on a plain bucket: refused, or stored without the lock?
      step("create plain bucket instead", () -> {
        c.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
        return bucket;
      });
    }
    step("bucket versioning", () -> c.getBucketVersioning(GetBucketVersioningArgs.builder().bucket(bucket).build()));
    step("object lock configuration", () ->
        c.getObjectLockConfiguration(GetObjectLockConfigurationArgs.builder().bucket(bucket).build()));
    ZonedDateTime until = ZonedDateTime.now().plusDays(1).withNano(0);
    String[] v1 = new String[1];
    step("put v1 with COMPLIANCE retention until " + until, () -> {
      ObjectWriteResponse r = put(c, bucket, key, "v1", new Retention(RetentionMode.COMPLIANCE, until));
      v1[0] = r.versionId();
      return "versionId=" + r.versionId();
    });
    step("stat v1 (lock headers)", () -> {
      StatObjectResponse s = c.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build());
      return "versionId=" + s.versionId() + " lockMode=" + s.lockMode() + " retainUntil=" + s.lockRetainUntilDate();
    });
    step("get retention", () -> {
      Retention r = c.getObjectRetention(GetObjectRetentionArgs.builder().bucket(bucket).object(key).build());
      return r == null ? "null" : r.mode() + " until " + r.retainUntilDate();
    });
    step("overwrite with v2 (no retention)", () -> "versionId=" + put(c, bucket, key, "v2", null).versionId());
    step("read back (latest)", () -> read(c, bucket, key, null));
    step("read v1 by version id", () -> v1[0] == null ? "no version id to ask for" : read(c, bucket, key, v1[0]));
    step("list versions", () -> versions(c, bucket, key));
    step("delete v1 by version id", () -> {
      if (v1[0] == null) {
        return "no version id to ask for";
      }
      c.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).versionId(v1[0]).build());
      return "deleted";
    });
    step("shorten v1's COMPLIANCE retention", () -> {
      if (v1[0] == null) {
        return "no version id to ask for";
      }
      c.setObjectRetention(SetObjectRetentionArgs.builder().bucket(bucket).object(key).versionId(v1[0])
          .config(new Retention(RetentionMode.COMPLIANCE, ZonedDateTime.now().plusMinutes(1).withNano(0))).build());
      return "shortened";
    });
    step("delete v1 by version id, bypassing governance", () -> {
      if (v1[0] == null) {
        return "no version id to ask for";
      }
      c.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).versionId(v1[0])
          .bypassGovernanceMode(true).build());
      return "deleted";
    });
    step("delete without version id", () -> {
      c.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build());
      return "accepted";
    });
    step("read back after deletes", () -> read(c, bucket, key, null));
    step("read v1 after deletes", () -> v1[0] == null ? "no version id to ask for" : read(c, bucket, key, v1[0]));
    step("list versions after deletes", () -> versions(c, bucket, key));
  }

  private static ObjectWriteResponse put(MinioClient c, String bucket, String key, String body, Retention retention)
      throws Exception {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    PutObjectArgs.Builder b = PutObjectArgs.builder().bucket(bucket).object(key).data(bytes, bytes.length)
        .contentType("application/json");
    if (retention != null) {
      b.retention(retention);
    }
    return c.putObject(b.build());
  }

  private static String read(MinioClient c, String bucket, String key, String versionId) throws Exception {
    GetObjectArgs.Builder b = GetObjectArgs.builder().bucket(bucket).object(key);
    if (versionId != null) {
      b.versionId(versionId);
    }
    try (var in = c.getObject(b.build())) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static String versions(MinioClient c, String bucket, String key) throws Exception {
    List<String> out = new ArrayList<>();
    for (Result<Item> r : c.listObjects(ListObjectsArgs.builder().bucket(bucket).prefix(key).includeVersions(true)
        .build())) {
      Item i = r.get();
      out.add(i.versionId() + (i.isLatest() ? " (latest)" : "") + (i.isDeleteMarker() ? " delete-marker" : ""));
    }
    return out.toString();
  }

  private interface Step {
    Object run() throws Exception;
  }

  private static boolean step(String what, Step s) {
    try {
      System.out.println("OK       " + what + ": " + s.run());
      return true;
    } catch (Exception e) {
      System.out.println("REFUSED  " + what + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
      return false;
    }
  }
}
