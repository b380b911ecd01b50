package dev.pretrain.db.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pretrain.db.audit.LineageSeal.AnchorRoot;
import dev.pretrain.db.audit.LineageSeal.Seal;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.db.storage.RunObjectKeys;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The root of a run's newest seal, kept outside the database: {@code runs/<runId>/audit/seal.json} in
 * the run's bucket, with every earlier root of the run. Where the bucket has S3 Object Lock, the object
 * is written under COMPLIANCE retention, so that not even the account owner can remove or rewrite that
 * version before the date; elsewhere (S3Proxy has no object lock) it is a plain object, and the
 * database row says so (no retain-until date).
 */
public final class SealAnchor {

  /** How long anchors stay locked where the store supports it (PRETRAIN_AUDIT_RETENTION_DAYS overrides). */
  public static final Duration DEFAULT_RETENTION = Duration.ofDays(3650);

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final ObjectStore store;
  private final Duration retention;

  public SealAnchor(ObjectStore store, Duration retention) {
    this.store = store;
    this.retention = retention;
  }

  /** Retention from PRETRAIN_AUDIT_RETENTION_DAYS, else {@link #DEFAULT_RETENTION}. */
  public static Duration retentionFromEnv(Map<String, String> env) {
    String days = env.get("PRETRAIN_AUDIT_RETENTION_DAYS");
    return days == null || days.isBlank() ? DEFAULT_RETENTION : Duration.ofDays(Long.parseLong(days.strip()));
  }

  /** Writes the anchor of {@code seal} (the newest of {@code all}) and records where in the database. */
  public ObjectStore.LockedPut write(String bucket, Seal seal, List<Seal> all, LineageSeal seals) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("format", LineageSeal.FORMAT);
    doc.put("runId", seal.runId());
    doc.put("sealNo", seal.sealNo());
    doc.put("root", seal.root());
    doc.put("records", seal.records());
    doc.put("sealedAt", seal.sealedAt().toString());
    List<Map<String, Object>> earlier = new ArrayList<>();
    for (Seal s : all) {
      if (s.sealNo() < seal.sealNo()) {
        earlier.add(Map.of("sealNo", s.sealNo(), "root", s.root(), "sealedAt", s.sealedAt().toString()));
      }
    }
    doc.put("earlier", earlier);
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(doc);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    String key = RunObjectKeys.auditSeal(seal.runId());
    ObjectStore.LockedPut put = store.putBytesRetained(bucket, key, bytes, "application/json",
        Instant.now().plus(retention));
    seals.anchored(seal.runId(), seal.sealNo(), put.stored().uri(), put.versionId(), put.retainUntil());
    return put;
  }

  /** The root the anchor in {@code bucket} vouches for, or empty where there is no anchor. */
  public Optional<AnchorRoot> read(String bucket, String runId) {
    String key = RunObjectKeys.auditSeal(runId);
    Optional<byte[]> bytes = store.readBytes(bucket, key);
    if (bytes.isEmpty()) {
      return Optional.empty();
    }
    try {
      JsonNode n = JSON.readTree(bytes.get());
      if (!runId.equals(n.path("runId").asText())) {
        throw new IllegalStateException("s3://" + bucket + "/" + key + " is the anchor of run " + n.path("runId").asText());
      }
      return Optional.of(new AnchorRoot("s3://" + bucket + "/" + key, n.path("sealNo").asInt(), n.path("root").asText()));
    } catch (IOException e) {
      throw new IllegalStateException("s3://" + bucket + "/" + key + " is no seal anchor: " + e.getMessage(), e);
    }
  }
}
