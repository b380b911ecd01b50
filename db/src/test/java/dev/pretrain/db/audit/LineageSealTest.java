package dev.pretrain.db.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pretrain.db.Database;
import dev.pretrain.db.audit.LineageSeal.AnchorRoot;
import dev.pretrain.db.audit.LineageSeal.Finding;
import dev.pretrain.db.audit.LineageSeal.Kind;
import dev.pretrain.db.audit.LineageSeal.Seal;
import dev.pretrain.db.audit.LineageSeal.Verification;
import dev.pretrain.db.storage.ObjectStore;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.UUID;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Seal and verify on real H2 (PostgreSQL mode) with Flyway's schema; the anchor in S3Proxy. */
class LineageSealTest {

  static final String RUN = "r1";
  static final int DOCS = 3_000;

  @TempDir static Path tmp;
  static S3Proxy proxy;
  static ObjectStore store;

  Database db;
  LineageSeal seals;

  @BeforeAll
  static void s3() throws Exception {
    Properties props = new Properties();
    props.setProperty("jclouds.filesystem.basedir", tmp.resolve("s3").toString());
    java.nio.file.Files.createDirectories(tmp.resolve("s3"));
    proxy = S3Proxy.builder().blobStore(BlobStores.create("filesystem", props))
        .endpoint(URI.create("http://127.0.0.1:0"))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "test", "test-secret").build();
    proxy.start();
    while (!"STARTED".equals(proxy.getState())) {
      Thread.sleep(10);
    }
    store = new ObjectStore("http://127.0.0.1:" + proxy.getPort(), "test", "test-secret", "us-east-1");
    store.ensureBucket("pretrain");
  }

  @AfterAll
  static void stopS3() throws Exception {
    proxy.stop();
  }

  @BeforeEach
  void open() throws Exception {
    db = Database.open("jdbc:h2:mem:seal-" + UUID.randomUUID()
        + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH", "sa", "");
    SyntheticRun.write(db.dataSource(), RUN, DOCS);
    // a second run whose rows must not count for r1
    SyntheticRun.write(db.dataSource(), "r2", 1_000);
    seals = new LineageSeal(db.dataSource());
  }

  @AfterEach
  void close() {
    db.close();
  }

  private AnchorRoot anchorOf(Seal s) {
    return new AnchorRoot("s3://pretrain/runs/" + s.runId() + "/audit/seal.json", s.sealNo(), s.root());
  }

  @Test
  void sealedRunVerifiesAgainstItsAnchorInS3() {
    Seal seal = seals.seal(RUN, Instant.now());
    assertEquals(1, seal.sealNo());
    assertEquals(64, seal.root().length());
    assertTrue(seal.records() > 4 * DOCS, "records: " + seal.records());

    SealAnchor anchor = new SealAnchor(store, Duration.ofDays(1));
    ObjectStore.LockedPut put = anchor.write("pretrain", seal, seals.seals(RUN), seals);
    assertNull(put.retainUntil(), "S3Proxy has no object lock");
    Seal recorded = seals.latest(RUN).orElseThrow();
    assertEquals("s3://pretrain/runs/r1/audit/seal.json", recorded.anchorUri());

    AnchorRoot read = anchor.read("pretrain", RUN).orElseThrow();
    assertEquals(seal.root(), read.root());
    Verification v = seals.verify(RUN, read);
    assertTrue(v.intact(), () -> v.findings() + " " + v.problems());
    assertEquals(seal.records(), v.recordsNow());
    assertEquals(seal.root(), v.liveRoot());
    assertEquals(seal.root(), seals.root(RUN).orElseThrow());
  }

  @Test
  void changedLicenseIsNamedWithItsColumn() {
    Seal seal = seals.seal(RUN, Instant.now());
    String doc = SyntheticRun.docId(1234);
    assertEquals(1, db.jdbc().update(
        "UPDATE run_documents SET license = 'MIT' WHERE run_id = ? AND doc_id = ?", RUN, doc));

    Verification v = seals.verify(RUN, anchorOf(seal));
    assertFalse(v.intact());
    assertEquals(1, v.findingsTotal(), () -> v.findings().toString());
    Finding f = v.findings().get(0);
    assertEquals(Kind.CHANGED, f.kind());
    assertEquals("run_documents", f.table());
    assertEquals("run r1, part 1, doc " + doc, f.key());
    assertEquals("license differs from the sealed value", f.detail());
    assertTrue(v.problems().isEmpty(), () -> v.problems().toString());
  }

  @Test
  void removedRowIsNamed() {
    Seal seal = seals.seal(RUN, Instant.now());
    String doc = SyntheticRun.docId(27); // 27 % 20 == 7: a duplicate
    assertEquals(1, db.jdbc().update(
        "DELETE FROM document_decisions WHERE run_id = ? AND step = 'dedup' AND doc_id = ?", RUN, doc));

    Verification v = seals.verify(RUN, anchorOf(seal));
    assertEquals(1, v.findingsTotal(), () -> v.findings().toString());
    Finding f = v.findings().get(0);
    assertEquals(Kind.REMOVED, f.kind());
    assertEquals("document_decisions", f.table());
    assertEquals("run r1, step dedup, doc " + doc, f.key());
  }

  @Test
  void insertedRowIsNamed() {
    Seal seal = seals.seal(RUN, Instant.now());
    String doc = SyntheticRun.docId(2);
    db.jdbc().update("INSERT INTO curation_decisions (run_id, part, doc_id, rule, action) VALUES (?, 0, ?,"
        + " 'pii:email', 'changed')", RUN, doc);
    db.jdbc().update("INSERT INTO run_documents (run_id, part, doc_id, source, content_sha256, chars, outcome)"
        + " VALUES (?, 99, 'zz-new', 'x', ?, 1, 'kept')", RUN, "0".repeat(64));

    Verification v = seals.verify(RUN, anchorOf(seal));
    assertEquals(2, v.findingsTotal(), () -> v.findings().toString());
    assertEquals("run_documents (run r1, part 99, doc zz-new): inserted: not in the seal", v.findings().get(0).toString());
    Finding f = v.findings().get(1);
    assertEquals(Kind.INSERTED, f.kind());
    assertEquals("curation_decisions", f.table());
    assertEquals("run r1, doc " + doc + ", rule pii:email", f.key());
  }

  @Test
  void editingTheStoredHashTooBreaksTheStoredChain() {
    Seal seal = seals.seal(RUN, Instant.now());
    String doc = SyntheticRun.docId(10);
    db.jdbc().update("UPDATE run_documents SET license = 'MIT' WHERE run_id = ? AND doc_id = ?", RUN, doc);
    // the attacker re-seals that one record by hand: its hash as verify computes it now
    String encoded = "2:r11:0" + doc.length() + ":" + doc;
    assertEquals(1, db.jdbc().update("UPDATE lineage_seal_records SET record_hash = ? WHERE run_id = ? AND"
        + " tbl = 'run_documents' AND record_key = ?", "ab".repeat(32), RUN, encoded));

    Verification v = seals.verify(RUN, anchorOf(seal));
    assertFalse(v.intact());
    assertTrue(v.problems().stream().anyMatch(p -> p.contains("the seal's records were edited")), v.problems()::toString);
  }

  @Test
  void rewritingTheWholeSealIsCaughtByTheAnchor() {
    Seal seal = seals.seal(RUN, Instant.now());
    AnchorRoot anchor = anchorOf(seal);
    db.jdbc().update("UPDATE run_documents SET license = 'MIT' WHERE run_id = ? AND doc_id = ?", RUN,
        SyntheticRun.docId(10));
    // the attacker seals the edited rows and puts the new root (and records) in place of seal 1
    db.jdbc().update("DELETE FROM lineage_seals WHERE run_id = ?", RUN);
    Seal forged = seals.seal(RUN, Instant.now());
    assertEquals(1, forged.sealNo());
    assertNotEquals(seal.root(), forged.root());

    Verification v = seals.verify(RUN, anchor);
    assertFalse(v.intact());
    assertEquals(0, v.findingsTotal());
    assertTrue(v.problems().stream().anyMatch(p -> p.contains("but the anchor") && p.contains(seal.root())),
        v.problems()::toString);
  }

  @Test
  void reSealSupersedesAndKeepsTheEarlierRoot() {
    Instant t1 = Instant.parse("2025-06-01T12:00:00Z");
    Seal first = seals.seal(RUN, t1);
    assertEquals(first, seals.seal(RUN, t1.plusSeconds(60)), "nothing changed: the same seal");

    db.jdbc().update("UPDATE steps SET executions = 2 WHERE run_id = ? AND step = 'tokenize'", RUN);
    Seal second = seals.seal(RUN, t1.plusSeconds(120));
    assertEquals(2, second.sealNo());
    assertNotEquals(first.root(), second.root());
    var all = seals.seals(RUN);
    assertEquals(2, all.size());
    assertEquals(first.root(), all.get(0).root());
    assertNotNull(all.get(0).supersededAt());
    assertNull(all.get(1).supersededAt());
    assertTrue(seals.verify(RUN, anchorOf(second)).intact());
    // an anchor still on the first seal says the database moved on
    assertFalse(seals.verify(RUN, anchorOf(first)).intact());
  }

  @Test
  void unsealedRunIsRefused() {
    assertThrows(LineageSeal.NoSealException.class, () -> seals.verify("r2", null));
  }

  @Test
  void otherRunsChangesDoNotCount() {
    Seal seal = seals.seal(RUN, Instant.now());
    db.jdbc().update("UPDATE run_documents SET license = 'MIT' WHERE run_id = 'r2'");
    assertTrue(seals.verify(RUN, anchorOf(seal)).intact());
  }
}
