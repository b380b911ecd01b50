package dev.pretrain.ops.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pretrain.db.Database;
import dev.pretrain.db.lineage.AuditQueries;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The audit report over a synthetic run's rows in a real H2 database migrated by Flyway. */
class AuditReportTest {

  static Database db;
  static AuditFixture.Built run;

  @BeforeAll
  static void up() {
    db = Database.open("jdbc:h2:mem:" + UUID.randomUUID() + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DB_CLOSE_DELAY=-1",
        "sa", "");
    run = AuditFixture.build(db.jdbc(), "audit-run", 3_000, 5, 4);
  }

  @AfterAll
  static void down() {
    db.close();
  }

  @Test
  void theQuantizedModelsReportAccountsForEveryDocumentPerSource() {
    AuditReport r = AuditReport.build(db.jdbc(), run.quantizedUri()).orElseThrow();
    AuditReport.Summary s = r.summary();
    assertEquals("quantized-model", r.subject().kind());
    assertEquals(run.documents(), s.documentsIn());
    assertEquals(run.documents(), s.ingestRecordsIn());
    assertEquals(run.quarantined(), s.quarantined());
    assertEquals(run.filtered(), s.filtered());
    assertEquals(run.deduplicated(), s.deduplicated());
    assertEquals(Map.of("exact", run.deduplicated()), s.deduplicatedByKind(), "duplicates recorded without a kind");
    assertEquals(run.kept(), s.kept());
    assertEquals(run.trainedDocuments(), s.documentsTrained());
    assertEquals(run.trainedTokens(), s.tokensTrained());
    assertTrue(s.conserved());
    assertEquals(5, r.funnel().size());
    long sum = 0;
    for (AuditReport.FunnelRow f : r.funnel()) {
      long[] expected = run.perSource().get(f.source());
      assertEquals(expected[0], f.in(), f.source());
      assertEquals(expected[1], f.quarantined(), f.source());
      assertEquals(expected[2], f.filtered(), f.source());
      assertEquals(expected[3], f.deduplicated(), f.source());
      assertEquals(expected[4], f.kept(), f.source());
      assertEquals(expected[5], f.tokensTrained(), f.source());
      assertEquals(f.in(), f.kept() + f.quarantined() + f.rejected() + f.filtered() + f.deduplicated());
      sum += f.in();
    }
    assertEquals(run.documents(), sum, "per-source counts sum to the ingested total");
    assertEquals(Map.of("filtered: gopher_quality.stop_words", run.perSource().get("source-00")[2],
        "quarantined: invalid JSON", run.perSource().get("source-00")[1], "deduplicated: exact",
        run.perSource().get("source-00")[3]), r.funnel().get(0).removedByReason());
  }

  @Test
  void itNamesSourcesWithTheirChecksumsAndEveryArtifactWithItsDigest() {
    AuditReport r = AuditReport.build(db.jdbc(), run.quantizedUri()).orElseThrow();
    assertEquals(5, r.sources().size());
    AuditReport.SourceRow first = r.sources().get(0);
    assertEquals("source-00", first.source());
    assertEquals("debian", first.registry());
    assertEquals(64, first.checksum().length());
    // 10 corpus files + 4 × (ingest, dedup, token shard) + model + quantized model
    assertEquals(10 + 12 + 2, r.artifacts().size());
    assertTrue(r.artifacts().stream().allMatch(a -> a.sha256().length() == 64));
    assertEquals(List.of("EU", "US"), r.summary().jurisdictions());
    assertEquals(List.of("de", "en"), r.summary().languages());
    assertEquals(List.of("eu"), r.summary().processingRegions());
    long licensed = r.licenses().stream().mapToLong(AuditReport.LicenseRow::documents).sum();
    assertEquals(run.trainedDocuments(), licensed);
    assertTrue(r.processing().stream().anyMatch(p -> p.step().equals("tokenize") && "tokenize-1".equals(p.codeVersion())
        && "pretrain".equals(p.taskQueue())));
    assertTrue(r.storage().stream().anyMatch(x -> x.step().equals("corpus") && x.bucket().equals("corpus")));
  }

  @Test
  void theHtmlPageHasTheSummaryTheGraphTheFunnelAndEveryDigest() {
    AuditReport r = AuditReport.build(db.jdbc(), run.quantizedUri()).orElseThrow();
    String html = AuditHtml.render(r);
    assertTrue(html.startsWith("<!DOCTYPE html>"));
    assertTrue(html.contains("<svg class=\"graph\""));
    assertTrue(html.contains("<svg class=\"funnel\""));
    assertTrue(html.contains(String.format(java.util.Locale.ROOT, "%,d", run.documents())));
    for (AuditReport.ArtifactRow a : r.artifacts()) {
      assertTrue(html.contains(a.sha256()), a.uri());
    }
    assertFalse(html.contains("<script"), "no script: the page archives as it is");
  }

  @Test
  void theReportCarriesTheRootOfTheRunsSealWhenTheRunIsSealed() {
    dev.pretrain.db.audit.LineageSeal seal = new dev.pretrain.db.audit.LineageSeal(db.dataSource());
    String root = seal.seal(run.runId(), java.time.Instant.now()).root();
    AuditReport r = AuditReport.build(db.jdbc(), run.quantizedUri()).orElseThrow();
    assertEquals(root, r.integrity().rootHash());
    assertTrue(AuditHtml.render(r).contains(root));
  }

  @Test
  void aTakedownFindsTheModelAndWhatWasMadeFromIt() {
    List<AuditQueries.SourceHolder> holders = new AuditQueries(db.jdbc()).modelsWithSource("source-03", "model");
    assertEquals(List.of(run.modelUri(), run.quantizedUri()), holders.stream().map(AuditQueries.SourceHolder::uri).toList());
    long trained = run.perSource().get("source-03")[4];
    assertEquals(trained, holders.get(0).documents());
    assertTrue(new AuditQueries(db.jdbc()).modelsWithSource("no-such-source", "model").isEmpty());
  }

  @Test
  void aReportOnAShardCoversOnlyWhatIsUpstreamOfIt() {
    String shard = "s3://" + AuditFixture.BUCKET + "/runs/audit-run/ingest/docs-00001-000.jsonl";
    AuditReport r = AuditReport.build(db.jdbc(), shard).orElseThrow();
    assertEquals("documents", r.subject().kind());
    // the shard's partition only: a quarter of the documents
    assertEquals(run.documents() / 4, r.summary().documentsIn());
    assertTrue(AuditReport.build(db.jdbc(), "s3://nowhere/x").isEmpty());
  }
}
