package dev.pretrain.batch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.batch.BatchJobRunner;
import dev.pretrain.batch.testing.S3ProxyFixture;
import dev.pretrain.db.Database;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.documents.DocumentRepository;
import dev.pretrain.db.documents.SourceRepository;
import dev.pretrain.db.storage.ObjectStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ingest job against real parts: S3Proxy over HTTP (filesystem backend), an H2 database migrated
 * by Flyway (with Spring Batch's JDBC job repository in it), launched through {@link BatchJobRunner}.
 */
class IngestJobTest {

  static final String BUCKET = "pretrain-test";
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path tmp;
  static S3ProxyFixture s3;
  static ObjectStore store;
  static Database db;
  static BatchJobRunner runner;
  static DocumentRepository documents;
  static ArtifactRepository artifacts;

  @BeforeAll
  static void up() throws Exception {
    s3 = S3ProxyFixture.start(tmp.resolve("s3"));
    store = s3.objectStore();
    store.ensureBucket(BUCKET);
    db = Database.open("jdbc:h2:mem:" + UUID.randomUUID() + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DB_CLOSE_DELAY=-1",
        "sa", "");
    runner = new BatchJobRunner(db, store, Files.createDirectories(tmp.resolve("work")), IngestJobConfig.class);
    documents = new DocumentRepository(db.jdbc());
    artifacts = new ArtifactRepository(db.jdbc());
  }

  @AfterAll
  static void down() {
    if (runner != null) {
      runner.close();
    }
    if (db != null) {
      db.close();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  @Test
  void goodJsonlGzipAndTextFilesAreAllKeptNormalized() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("good"));
    // CRLF, a decomposed é (NFD), a leading BOM, metadata, and an id-less record
    Path jsonl = write(dir.resolve("a.jsonl"), String.join("\n",
        "{\"id\":\"doc-1\",\"text\":\"first line\\r\\nsecond line\\r\",\"source\":\"kernel-docs\","
            + "\"source_version\":\"6.1\",\"path\":\"Documentation/a.rst\",\"license\":\"GPL-2.0\",\"language\":\"en\"}",
        "{\"text\":\"caf" + "e\u0301" + " au lait\",\"language\":\"fr\",\"jurisdiction\":\"FR\"}",
        "{\"id\":\"doc-3\",\"text\":\"\uFEFFbom first\"}",
        ""));
    // two gzip members, uploaded to S3: both members must be read
    byte[] gz = concat(gzip("{\"id\":\"gz-1\",\"text\":\"member one, line one\"}\n{\"id\":\"gz-2\",\"text\":\"member one, line two\"}\n"),
        gzip("{\"id\":\"gz-3\",\"text\":\"member two, line one\"}\n{\"id\":\"gz-4\",\"text\":\"member two, line two\"}\n"));
    ObjectStore.Stored gzObject = upload("inputs/good/b.jsonl.gz", gz);
    Path text = write(dir.resolve("c.txt"), "Plain text\r\nwith CRLF\rand CR.\n");

    List<IngestJob.Input> inputs = List.of(input(jsonl), new IngestJob.Input(gzObject.uri(), gz.length), input(text));
    AtomicLong lastRecords = new AtomicLong();
    IngestJob.Result r = IngestJob.run(runner,
        new IngestJob.Request("run-good", 0, 1, BUCKET, inputs, 200, "EU"), (records, bytes) -> lastRecords.set(records));

    assertEquals(8, r.recordsIn());
    assertEquals(8, r.kept());
    assertEquals(0, r.rejected());
    assertEquals(0, r.quarantined());
    assertNull(r.quarantine(), "no quarantine shard when every record is kept");
    assertEquals(Files.size(jsonl) + gz.length + Files.size(text), r.bytesIn());
    assertEquals(8, lastRecords.get(), "progress reported after the last chunk");
    assertTrue(r.documentShards().size() > 1, "a 200-byte shard target rolls shards: " + r.documentShards());
    for (int i = 0; i < r.documentShards().size(); i++) {
      assertEquals(String.format("runs/run-good/ingest/docs-00000-%03d.jsonl", i), r.documentShards().get(i).key());
    }

    Map<String, JsonNode> docs = new TreeMap<>();
    for (ObjectStore.Stored shard : r.documentShards()) {
      byte[] bytes = get(shard);
      assertEquals(sha256(bytes), shard.sha256(), "the shard's reported digest is of its stored bytes");
      for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
        JsonNode n = JSON.readTree(line);
        assertEquals(List.of("id", "text", "source", "source_version", "path", "license", "language", "jurisdiction",
            "sha256"), fieldNames(n));
        assertEquals(sha256(n.get("text").asText().getBytes(StandardCharsets.UTF_8)), n.get("sha256").asText());
        docs.put(n.get("id").asText(), n);
      }
      assertEquals(new String(bytes, StandardCharsets.UTF_8).split("\n").length, documents.countMembers(shard.uri()));
    }
    assertEquals(8, docs.size());
    assertEquals("first line\nsecond line\n", docs.get("doc-1").get("text").asText());
    assertEquals("kernel-docs", docs.get("doc-1").get("source").asText());
    assertEquals("Documentation/a.rst", docs.get("doc-1").get("path").asText());
    assertEquals("EU", docs.get("doc-1").get("jurisdiction").asText(), "default jurisdiction");
    String generated = "a.jsonl:" + jsonl.toUri() + "#2";
    assertEquals("caf\u00e9 au lait", docs.get(generated).get("text").asText(), "NFC");
    assertEquals("FR", docs.get(generated).get("jurisdiction").asText());
    assertEquals("bom first", docs.get("doc-3").get("text").asText());
    assertEquals("member two, line two", docs.get("gz-4").get("text").asText());
    String textId = "c.txt:" + text.toUri() + "#1";
    assertEquals("Plain text\nwith CRLF\nand CR.\n", docs.get(textId).get("text").asText());

    assertEquals(8L, count("SELECT COUNT(*) FROM documents WHERE first_run_id = 'run-good'"));
    assertEquals(sha256("first line\nsecond line\n".getBytes(StandardCharsets.UTF_8)),
        db.jdbc().queryForObject("SELECT content_sha256 FROM documents WHERE doc_id = 'doc-1'", String.class));

    // inputs are recorded with the digest of their stored bytes, and every shard points at its inputs
    assertEquals(sha256(Files.readAllBytes(jsonl)), artifacts.find(jsonl.toUri().toString()).orElseThrow().sha256());
    assertEquals(sha256(gz), artifacts.find(gzObject.uri()).orElseThrow().sha256());
    assertEquals(IngestShardWriter.KIND_INPUT_FILE, artifacts.find(gzObject.uri()).orElseThrow().kind());
    List<String> allInputs = new ArrayList<>();
    for (ObjectStore.Stored shard : r.documentShards()) {
      ArtifactRepository.Artifact a = artifacts.find(shard.uri()).orElseThrow();
      assertEquals("documents", a.kind());
      assertEquals("ingest", a.step());
      assertEquals(store.endpoint(), a.storageEndpoint());
      assertTrue(!artifacts.inputsOf(shard.uri()).isEmpty());
      allInputs.addAll(artifacts.inputsOf(shard.uri()));
    }
    assertEquals(inputs.stream().map(IngestJob.Input::uri).sorted().toList(),
        allInputs.stream().distinct().sorted().toList());
  }

  @Test
  void withUnknownLicenseQuarantinedARecordNeedsALicenseOfItsOwnOrOfItsSource() throws Exception {
    new SourceRepository(db.jdbc()).upsert(new SourceRepository.Source("debian:licensed-pkg", "debian", "licensed-pkg",
        "1.0", "sha256", "00", "GPL-2.0+", "EU", 1, 1, Instant.now()));
    Path jsonl = write(Files.createDirectories(tmp.resolve("licenses")).resolve("l.jsonl"), String.join("\n",
        "{\"id\":\"own\",\"text\":\"declares its own\",\"license\":\"MIT\",\"source\":\"npm:whatever\"}",
        "{\"id\":\"by-source\",\"text\":\"its source declares one\",\"source\":\"debian:licensed-pkg\"}",
        "{\"id\":\"none\",\"text\":\"nobody declares one\",\"source\":\"web:somewhere\"}",
        ""));
    IngestJob.Result r = IngestJob.run(runner, new IngestJob.Request("run-license", 0, 1, BUCKET, List.of(input(jsonl)),
        1 << 20, "EU", IngestJob.DEFAULT_MAX_RECORD_BYTES, true), null);

    assertEquals(3, r.recordsIn());
    assertEquals(2, r.kept());
    assertEquals(1, r.quarantined());
    DocumentRepository.Quarantined q = documents.quarantine("run-license").get(0);
    assertEquals(3, q.line());
    assertEquals("no license: the record declares none and its source 'web:somewhere' declares none"
        + " (ingest.unknownLicense: quarantine)", q.reason());
    Map<String, String> licenses = new TreeMap<>();
    for (ObjectStore.Stored shard : r.documentShards()) {
      for (String line : new String(get(shard), StandardCharsets.UTF_8).split("\n")) {
        JsonNode n = JSON.readTree(line);
        licenses.put(n.get("id").asText(), n.get("license").asText());
      }
    }
    assertEquals(Map.of("own", "MIT", "by-source", "GPL-2.0+"), licenses, "the source's license is the document's");
  }

  @Test
  void badRecordsAreQuarantinedWithFileLineAndReasonAndGoodOnesKept() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("bad"));
    ByteArrayOutputStream bad = new ByteArrayOutputStream();
    List<Long> offsets = new ArrayList<>();
    for (byte[] line : List.of(
        utf8("{\"id\":\"ok-1\",\"text\":\"good before\"}"),
        concat(utf8("{\"text\":\"ab"), new byte[] {(byte) 0xFF}, utf8("\"}")), // invalid UTF-8 at byte 11
        utf8("{\"id\":\"no-text\",\"title\":\"where is the text\"}"),
        utf8("{\"text\":\"   \\n\\t \"}"),
        utf8("{\"text\":\"\"}"),
        utf8("{\"id\":\"ok-2\",\"text\":\"good after\"}"),
        utf8("this is not json"),
        utf8("{\"text\":\"" + "x".repeat(5000) + "\"}"))) { // over the 4,096-byte limit below
      offsets.add((long) bad.size());
      bad.write(line);
      bad.write('\n');
    }
    Path badFile = write(dir.resolve("bad.jsonl"), bad.toByteArray());

    // a gzip stream cut in the middle: lines before the cut are kept, the cut is quarantined
    List<String> truncLines = new ArrayList<>();
    Random random = new Random(7);
    StringBuilder plain = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      String t = randomWords(random, 20);
      truncLines.add(t);
      plain.append("{\"id\":\"t-").append(i).append("\",\"text\":\"").append(t).append("\"}\n");
    }
    byte[] fullGz = gzip(plain.toString());
    byte[] cutGz = Arrays.copyOf(fullGz, fullGz.length * 6 / 10);
    ObjectStore.Stored truncObject = upload("inputs/bad/trunc.jsonl.gz", cutGz);
    Path after = write(dir.resolve("z-after.txt"), "the job goes on with the next file");

    IngestJob.Request request = new IngestJob.Request("run-bad", 3, 1, BUCKET,
        List.of(input(badFile), new IngestJob.Input(truncObject.uri(), cutGz.length), input(after)),
        1 << 20, null, 4096);
    IngestJob.Result r = IngestJob.run(runner, request, null);

    assertEquals(r.recordsIn(), r.kept() + r.rejected() + r.quarantined(), "counts are conserved");
    assertEquals(2, r.rejected());
    long truncKept = r.kept() - 2 - 1;
    assertTrue(truncKept > 10 && truncKept < 200, "lines before the cut are kept: " + truncKept);
    assertEquals(8 + truncKept + 1 + 1, r.recordsIn());
    assertEquals(5, r.quarantined()); // 4 in bad.jsonl + the cut

    String badUri = badFile.toUri().toString();
    Map<String, DocumentRepository.Quarantined> rows = documents.quarantine("run-bad").stream()
        .collect(Collectors.toMap(q -> q.inputUri() + "#" + q.line(), q -> q));
    assertEquals(7, rows.size());
    assertBad(rows, badUri, 2, offsets.get(1), "quarantined", "invalid UTF-8 at byte 11 of line");
    assertBad(rows, badUri, 3, offsets.get(2), "quarantined", "missing field 'text'");
    assertBad(rows, badUri, 4, offsets.get(3), "rejected", "whitespace-only text");
    assertBad(rows, badUri, 5, offsets.get(4), "rejected", "empty text");
    assertBad(rows, badUri, 7, offsets.get(6), "quarantined", "invalid JSON");
    assertBad(rows, badUri, 8, offsets.get(7), "quarantined", "line longer than 4096 bytes (5011 bytes); skipped to the next newline");
    DocumentRepository.Quarantined cut = rows.get(truncObject.uri() + "#" + (truncKept + 1));
    assertNotNull(cut, "the cut is quarantined at the line where it broke: " + rows.keySet());
    assertTrue(cut.reason().startsWith("truncated gzip input: gzip member 1 ends early at compressed byte " + cutGz.length),
        cut.reason());

    // the quarantine shard holds the same records, with a preview
    assertNotNull(r.quarantine());
    assertEquals("runs/run-bad/ingest/quarantine-00003.jsonl", r.quarantine().key());
    List<JsonNode> qLines = new ArrayList<>();
    for (String line : new String(get(r.quarantine()), StandardCharsets.UTF_8).split("\n")) {
      qLines.add(JSON.readTree(line));
    }
    assertEquals(7, qLines.size());
    JsonNode first = qLines.get(0);
    assertEquals(List.of("file", "line", "byte_offset", "disposition", "reason", "preview"), fieldNames(first));
    assertEquals(badUri, first.get("file").asText());
    assertEquals(2, first.get("line").asLong());
    assertTrue(first.get("preview").asText().startsWith("{\"text\":\"ab"));
    assertEquals(200, qLines.get(5).get("preview").asText().length(), "the over-long line's preview is its first 200 bytes");
    assertEquals("quarantine", artifacts.find(r.quarantine().uri()).orElseThrow().kind());
    assertEquals(List.of(badUri, truncObject.uri()).stream().sorted().toList(),
        artifacts.inputsOf(r.quarantine().uri()));

    // every good record beside the bad ones is kept, in order
    List<String> keptIds = new ArrayList<>();
    Map<String, String> keptText = new TreeMap<>();
    for (ObjectStore.Stored shard : r.documentShards()) {
      for (String line : new String(get(shard), StandardCharsets.UTF_8).split("\n")) {
        JsonNode n = JSON.readTree(line);
        keptIds.add(n.get("id").asText());
        keptText.put(n.get("id").asText(), n.get("text").asText());
      }
    }
    assertEquals("ok-1", keptIds.get(0));
    assertEquals("ok-2", keptIds.get(1));
    for (int i = 0; i < truncKept; i++) {
      assertEquals("t-" + i, keptIds.get(2 + i));
      assertEquals(truncLines.get(i), keptText.get("t-" + i));
    }
    assertEquals("z-after.txt:" + after.toUri() + "#1", keptIds.get(keptIds.size() - 1));
    assertEquals(sha256(cutGz), artifacts.find(truncObject.uri()).orElseThrow().sha256(),
        "a truncated input is still digested whole");
  }

  @Test
  void rerunningAPartitionWritesIdenticalShardsAndNoDuplicateRows() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("rerun"));
    StringBuilder sb = new StringBuilder();
    Random random = new Random(11);
    for (int i = 0; i < 500; i++) {
      sb.append(i % 50 == 7 ? "{\"broken\": " : "{\"text\":\"" + randomWords(random, 30) + "\"}").append('\n');
    }
    Path a = write(dir.resolve("a.jsonl"), sb.toString());
    byte[] gz = gzip(sb.toString());
    ObjectStore.Stored b = upload("inputs/rerun/b.jsonl.gz", gz);
    List<IngestJob.Input> inputs = List.of(input(a), new IngestJob.Input(b.uri(), gz.length));

    IngestJob.Result first = IngestJob.run(runner, new IngestJob.Request("run-rerun", 1, 1, BUCKET, inputs, 65_536, "EU"), null);
    Map<String, Long> rowsAfterFirst = rowCounts("run-rerun");
    IngestJob.Result second = IngestJob.run(runner, new IngestJob.Request("run-rerun", 1, 2, BUCKET, inputs, 65_536, "EU"), null);
    // a replayed attempt number (workflow reset) is a new launch too
    IngestJob.Result third = IngestJob.run(runner, new IngestJob.Request("run-rerun", 1, 1, BUCKET, inputs, 65_536, "EU"), null);

    assertTrue(first.documentShards().size() > 3, "several shards: " + first.documentShards().size());
    assertEquals(first, second, "same counts, same keys, same digests");
    assertEquals(first, third);
    for (ObjectStore.Stored shard : second.documentShards()) {
      assertEquals(shard.sha256(), store.sha256Of(shard.bucket(), shard.key()), "stored bytes match the digest");
    }
    assertEquals(store.sha256Of(BUCKET, first.quarantine().key()), first.quarantine().sha256());
    assertEquals(rowsAfterFirst, rowCounts("run-rerun"), "no duplicate rows");
    assertEquals(first.kept(), rowsAfterFirst.get("members"));
    assertEquals(first.rejected() + first.quarantined(), rowsAfterFirst.get("quarantine"));
    assertEquals(first.documentShards().size() + 1L, rowsAfterFirst.get("artifacts"));
  }

  private static Map<String, Long> rowCounts(String runId) {
    Map<String, Long> m = new TreeMap<>();
    m.put("documents", count("SELECT COUNT(*) FROM documents WHERE first_run_id = '" + runId + "'"));
    m.put("members", count("SELECT COUNT(*) FROM artifact_documents WHERE artifact_uri LIKE 's3://" + BUCKET + "/runs/"
        + runId + "/%'"));
    m.put("quarantine", count("SELECT COUNT(*) FROM quarantine WHERE run_id = '" + runId + "'"));
    m.put("artifacts", count("SELECT COUNT(*) FROM artifacts WHERE run_id = '" + runId + "'"));
    m.put("edges", count("SELECT COUNT(*) FROM artifact_inputs WHERE artifact_uri LIKE 's3://" + BUCKET + "/runs/"
        + runId + "/%'"));
    m.put("inputFiles", count("SELECT COUNT(*) FROM artifacts WHERE kind = 'input-file'"));
    return m;
  }

  private static void assertBad(Map<String, DocumentRepository.Quarantined> rows, String file, long line, long offset,
      String disposition, String reason) {
    DocumentRepository.Quarantined q = rows.get(file + "#" + line);
    assertNotNull(q, "no quarantine row for " + file + " line " + line + " in " + rows.keySet());
    assertEquals(disposition, q.disposition(), q.toString());
    assertTrue(q.reason().startsWith(reason), q.reason());
    assertEquals(offset, q.byteOffset(), q.toString());
  }

  private static long count(String sql) {
    return db.jdbc().queryForObject(sql, Long.class);
  }

  private static List<String> fieldNames(JsonNode n) {
    List<String> names = new ArrayList<>();
    n.fieldNames().forEachRemaining(names::add);
    return names;
  }

  @Test
  void aReingestedIdWithChangedTextAndLicenseKeepsEachRunsVersion() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("versions"));
    Path v1 = write(dir.resolve("v1.jsonl"),
        "{\"id\":\"ver-1\",\"text\":\"the first text\",\"source\":\"s\",\"license\":\"MIT\"}\n");
    Path v2 = write(dir.resolve("v2.jsonl"),
        "{\"id\":\"ver-1\",\"text\":\"the second text\",\"source\":\"s\",\"license\":\"GPL-2.0\"}\n");
    IngestJob.run(runner, new IngestJob.Request("run-v1", 0, 1, BUCKET, List.of(input(v1)), 1 << 20, "EU"), (r, b) -> {});
    IngestJob.run(runner, new IngestJob.Request("run-v2", 0, 1, BUCKET, List.of(input(v2)), 1 << 20, "EU"), (r, b) -> {});

    // each run keeps the version it trained on; the global row is the newest, and remembers who saw it first
    assertEquals("MIT", db.jdbc().queryForObject(
        "SELECT license FROM run_documents WHERE run_id = 'run-v1' AND doc_id = 'ver-1'", String.class));
    assertEquals("GPL-2.0", db.jdbc().queryForObject(
        "SELECT license FROM run_documents WHERE run_id = 'run-v2' AND doc_id = 'ver-1'", String.class));
    assertEquals(sha256("the second text".getBytes(StandardCharsets.UTF_8)), db.jdbc().queryForObject(
        "SELECT content_sha256 FROM run_documents WHERE run_id = 'run-v2' AND doc_id = 'ver-1'", String.class));
    Map<String, Object> global = db.jdbc().queryForMap(
        "SELECT license, first_run_id, last_run_id, input_uri FROM documents WHERE doc_id = 'ver-1'");
    assertEquals("GPL-2.0", global.get("license"));
    assertEquals("run-v1", global.get("first_run_id"));
    assertEquals("run-v2", global.get("last_run_id"));
    assertEquals(v2.toUri().toString(), global.get("input_uri"));
    assertEquals("kept", db.jdbc().queryForObject(
        "SELECT outcome FROM run_documents WHERE run_id = 'run-v1' AND doc_id = 'ver-1'", String.class));
  }

  @Test
  void aRecordWhoseJurisdictionTheRunsRegionMayNotHoldIsQuarantinedWithTheReason() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("residency"));
    Path file = write(dir.resolve("mixed.jsonl"), String.join("\n",
        "{\"id\":\"res-1\",\"text\":\"a record of the default jurisdiction\"}",
        "{\"id\":\"res-2\",\"text\":\"a record declared EU\",\"jurisdiction\":\"EU\"}",
        "{\"id\":\"res-3\",\"text\":\"a record declared US\",\"jurisdiction\":\"US\"}", ""));
    JurisdictionCheck usOnly = j -> "EU".equals(j) ? "jurisdiction EU may not be stored and processed in region us" : null;
    IngestJob.Result r = IngestJob.run(runner, new IngestJob.Request("run-residency", 0, 1, BUCKET, List.of(input(file)),
        1 << 20, "US", IngestJob.DEFAULT_MAX_RECORD_BYTES, false, null, usOnly), (records, bytes) -> {});
    assertEquals(3, r.recordsIn());
    assertEquals(2, r.kept());
    assertEquals(1, r.quarantined());
    assertEquals("jurisdiction EU may not be stored and processed in region us: not kept", db.jdbc().queryForObject(
        "SELECT reason FROM quarantine WHERE run_id = 'run-residency'", String.class));
    assertEquals(0L, count("SELECT COUNT(*) FROM run_documents WHERE run_id = 'run-residency' AND doc_id = 'res-2'"));
  }

  private static IngestJob.Input input(Path p) throws IOException {
    return new IngestJob.Input(p.toUri().toString(), Files.size(p));
  }

  private static Path write(Path p, String content) throws IOException {
    return write(p, utf8(content));
  }

  private static Path write(Path p, byte[] content) throws IOException {
    Files.write(p, content);
    return p;
  }

  private static ObjectStore.Stored upload(String key, byte[] bytes) throws IOException {
    Path f = Files.createTempFile(tmp, "upload", ".bin");
    Files.write(f, bytes);
    return store.putFile(BUCKET, key, f, "application/octet-stream");
  }

  private static byte[] get(ObjectStore.Stored s) throws IOException {
    try (InputStream in = store.open(s.bucket(), s.key())) {
      return in.readAllBytes();
    }
  }

  private static byte[] gzip(String s) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(utf8(s));
    }
    return out.toByteArray();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static String randomWords(Random random, int words) {
    StringBuilder sb = new StringBuilder();
    for (int w = 0; w < words; w++) {
      if (w > 0) {
        sb.append(' ');
      }
      int len = 2 + random.nextInt(8);
      for (int c = 0; c < len; c++) {
        sb.append((char) ('a' + random.nextInt(26)));
      }
    }
    return sb.toString();
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
