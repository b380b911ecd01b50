package dev.pretrain.batch.shards;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.batch.BatchJobRunner;
import dev.pretrain.batch.testing.S3ProxyFixture;
import dev.pretrain.db.Database;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.documents.DocumentRepository;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.db.storage.RunObjectKeys;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The real parts dedup/tokenize tests run against: S3Proxy over HTTP ({@link S3ProxyFixture}), an H2
 * database migrated by Flyway, and the batch job runner with the given job configurations. Seeds
 * input shards the way ingest writes them.
 */
public final class ShardTestStack implements AutoCloseable {

  public static final String BUCKET = "pretrain-test";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A document as ingest writes it; {@code sha256} is computed from the text. */
  public record Doc(String id, String text, String source) {}

  private final S3ProxyFixture s3;
  public final ObjectStore store;
  public final Database db;
  public final BatchJobRunner runner;
  public final ArtifactRepository artifacts;
  public final DocumentRepository documents;

  public ShardTestStack(Path tmp, Class<?>... jobConfigs) throws Exception {
    s3 = S3ProxyFixture.start(tmp.resolve("s3"));
    store = s3.objectStore();
    store.ensureBucket(BUCKET);
    db = Database.open("jdbc:h2:mem:" + UUID.randomUUID() + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DB_CLOSE_DELAY=-1",
        "sa", "");
    runner = new BatchJobRunner(db, store, Files.createDirectories(tmp.resolve("work")), jobConfigs);
    artifacts = new ArtifactRepository(db.jdbc());
    documents = new DocumentRepository(db.jdbc());
  }

  public static String sha256Hex(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The JSONL line ingest writes for a document. */
  public static String line(Doc d) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", d.id());
    m.put("text", d.text());
    m.put("source", d.source());
    m.put("source_version", "1.0");
    m.put("path", d.id() + ".txt");
    m.put("license", "CC0-1.0");
    m.put("language", "en");
    m.put("jurisdiction", "EU");
    m.put("sha256", sha256Hex(d.text()));
    return JSON.writeValueAsString(m);
  }

  /**
   * Writes an ingest shard to S3 under {@code runs/<runId>/ingest/docs-<i>-000.jsonl}, and records it
   * and its documents in the database as ingest would.
   */
  public ObjectStore.Stored putIngestShard(Path tmp, String runId, int index, List<Doc> docs) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (Doc d : docs) {
      sb.append(line(d)).append('\n');
    }
    Path file = tmp.resolve("ingest-" + UUID.randomUUID() + ".jsonl");
    Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    ObjectStore.Stored s = store.putFile(BUCKET, RunObjectKeys.ingestShard(runId, index, 0),
        file, "application/x-ndjson");
    artifacts.record(new ArtifactRepository.Artifact(s.uri(), s.sha256(), s.sizeBytes(), "documents", runId, "ingest",
        store.endpoint(), store.region(), Instant.now()), List.of());
    List<DocumentRepository.Document> rows = new ArrayList<>();
    for (int i = 0; i < docs.size(); i++) {
      Doc d = docs.get(i);
      rows.add(new DocumentRepository.Document(d.id(), d.source(), "1.0", d.id() + ".txt", "CC0-1.0", "en", "EU",
          sha256Hex(d.text()), d.text().length(), s.uri(), i + 1, runId));
    }
    documents.insertNew(rows);
    List<DocumentRepository.Membership> members = new ArrayList<>();
    for (int i = 0; i < docs.size(); i++) {
      members.add(new DocumentRepository.Membership(docs.get(i).id(), i, null, null));
    }
    documents.replaceMembers(s.uri(), members);
    return s;
  }

  public byte[] get(ObjectStore.Stored s) throws IOException {
    try (InputStream in = store.open(s.bucket(), s.key())) {
      return in.readAllBytes();
    }
  }

  @Override
  public void close() {
    runner.close();
    db.close();
    s3.close();
  }
}
