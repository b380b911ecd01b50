package dev.pretrain.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.db.Database;
import dev.pretrain.db.documents.DocumentRepository;
import dev.pretrain.db.documents.DocumentRepository.Decision;
import dev.pretrain.db.documents.DocumentRepository.Document;
import dev.pretrain.db.documents.DocumentRepository.RunDocument;
import dev.pretrain.db.runs.RunRepository;
import dev.pretrain.ops.PretrainCli;
import dev.pretrain.ops.report.AuditFixture;
import dev.pretrain.ops.report.AuditHtml;
import dev.pretrain.ops.report.AuditReport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code lineage decisions}, {@code audit why} and the audit report on dedup drops of every kind
 * (exact, fuzzy, contaminated, and a duplicate recorded before V11 without a kind), through the
 * real command line in this JVM, against an H2 database migrated by Flyway.
 */
class LineageDecisionsTest {

  static final String RUN = "near-run";
  static final ObjectMapper JSON = new ObjectMapper();

  static String url;
  static Path dataDir;
  static Database db;
  static AuditFixture.Built fixture;

  @BeforeAll
  static void up() throws IOException {
    url = "jdbc:h2:mem:" + UUID.randomUUID() + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DB_CLOSE_DELAY=-1";
    dataDir = Files.createTempDirectory("lineage-decisions");
    db = Database.open(url, "sa", "");
    Instant now = Instant.parse("2026-12-07T10:00:00Z");
    new RunRepository(db.jdbc()).started(RUN, "pretrain-" + RUN, "quick", "{}", now);
    new RunRepository(db.jdbc()).started("other-run", "pretrain-other-run", "quick", "{}", now);
    DocumentRepository docs = new DocumentRepository(db.jdbc());
    List<Document> rows = new ArrayList<>();
    List<RunDocument> runRows = new ArrayList<>();
    int line = 0;
    for (String id : List.of("keep-1", "keep-2", "legacy", "exact", "fuzzy-a", "fuzzy-b", "contam", "filtered",
        "normalized")) {
      Document d = new Document("udhr/" + id, "udhr", "1", id + ".txt", "CC0-1.0", "en", "EU", "00", 100,
          "s3://corpus/udhr.jsonl", line++, RUN);
      rows.add(d);
      runRows.add(new RunDocument(d, 0, "en", id.equals("filtered") ? DocumentRepository.FILTERED
          : DocumentRepository.KEPT));
    }
    docs.upsert(rows);
    docs.recordRunDocuments(RUN, runRows);
    docs.recordDecisions(RUN, "ingest", List.of(new Decision("udhr/normalized", "normalized", "NFC", null)));
    docs.recordDecisions(RUN, "curate", List.of(new Decision("udhr/filtered", "filtered",
        "gopher_quality.stop_words = 1 (threshold >= 2)", null)));
    docs.recordDecisions(RUN, "dedup", List.of(
        // written before V11: no kind, an exact duplicate
        new Decision("udhr/legacy", "duplicate", "same normalized text as udhr/keep-1", "udhr/keep-1"),
        new Decision("udhr/exact", "duplicate", "same normalized text as udhr/keep-1", "udhr/keep-1", "exact", null,
            null, null),
        new Decision("udhr/fuzzy-a", "duplicate", "MinHash-LSH candidate, checked", "udhr/keep-2", "fuzzy", 0.91, 0.93,
            null),
        new Decision("udhr/fuzzy-b", "duplicate", "MinHash-LSH candidate", "udhr/keep-2", "fuzzy", 0.84, null, null),
        new Decision("udhr/contam", "contaminated", "shares 27 13-grams with eval/doc-7", "eval/doc-7", "contaminated",
            null, null, 27)));
    docs.recordDecisions("other-run", "dedup", List.of(new Decision("udhr/keep-2", "duplicate", "x", "udhr/keep-1")));

    // a run with the audit report's full lineage: some of its exact duplicates become fuzzy and contaminated
    fixture = AuditFixture.build(db.jdbc(), "kinds-run", 600, 2, 2);
    Map<String, String> twins = new LinkedHashMap<>();
    for (Decision d : docs.decisions("kinds-run", "dedup")) {
      twins.put(d.docId(), d.relatedDocId());
    }
    Iterator<Map.Entry<String, String>> it = twins.entrySet().iterator();
    Map.Entry<String, String> a = it.next();
    Map.Entry<String, String> b = it.next();
    Map.Entry<String, String> c = it.next();
    docs.recordDecisions("kinds-run", "dedup", List.of(
        new Decision(a.getKey(), "duplicate", "near", a.getValue(), "fuzzy", 0.8, 0.82, null),
        new Decision(b.getKey(), "duplicate", "near", b.getValue(), "fuzzy", 0.9, null, null),
        new Decision(c.getKey(), "contaminated", "13-grams", "eval/doc-1", "contaminated", null, null, 40)));
  }

  @AfterAll
  static void down() {
    db.close();
  }

  record Result(int exitCode, String stdout, String stderr) {}

  /** The real command line with this test's database. */
  static synchronized Result cli(String... args) {
    List<String> all = new ArrayList<>(List.of("--data-dir", dataDir.toString(), "--jdbc-url", url, "--jdbc-user",
        "sa"));
    all.addAll(List.of(args));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    int code;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      code = PretrainCli.commandLine().execute(all.toArray(String[]::new));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static final List<String> KEYS = List.of("dropped", "kept", "jaccard", "kind", "step", "decision",
      "jaccard_estimated", "jaccard_exact", "overlap_ngrams", "reason");

  static final List<String> EXPECTED_JSONL = List.of(
      "{\"dropped\":\"udhr/filtered\",\"kept\":null,\"jaccard\":null,\"kind\":\"filtered\",\"step\":\"curate\","
          + "\"decision\":\"filtered\",\"jaccard_estimated\":null,\"jaccard_exact\":null,\"overlap_ngrams\":null,"
          + "\"reason\":\"gopher_quality.stop_words = 1 (threshold >= 2)\"}",
      "{\"dropped\":\"udhr/contam\",\"kept\":\"eval/doc-7\",\"jaccard\":null,\"kind\":\"contaminated\",\"step\":\"dedup\","
          + "\"decision\":\"contaminated\",\"jaccard_estimated\":null,\"jaccard_exact\":null,\"overlap_ngrams\":27,"
          + "\"reason\":\"shares 27 13-grams with eval/doc-7\"}",
      "{\"dropped\":\"udhr/exact\",\"kept\":\"udhr/keep-1\",\"jaccard\":1.0,\"kind\":\"exact\",\"step\":\"dedup\","
          + "\"decision\":\"duplicate\",\"jaccard_estimated\":null,\"jaccard_exact\":null,\"overlap_ngrams\":null,"
          + "\"reason\":\"same normalized text as udhr/keep-1\"}",
      "{\"dropped\":\"udhr/fuzzy-a\",\"kept\":\"udhr/keep-2\",\"jaccard\":0.93,\"kind\":\"fuzzy\",\"step\":\"dedup\","
          + "\"decision\":\"duplicate\",\"jaccard_estimated\":0.91,\"jaccard_exact\":0.93,\"overlap_ngrams\":null,"
          + "\"reason\":\"MinHash-LSH candidate, checked\"}",
      "{\"dropped\":\"udhr/fuzzy-b\",\"kept\":\"udhr/keep-2\",\"jaccard\":0.84,\"kind\":\"fuzzy\",\"step\":\"dedup\","
          + "\"decision\":\"duplicate\",\"jaccard_estimated\":0.84,\"jaccard_exact\":null,\"overlap_ngrams\":null,"
          + "\"reason\":\"MinHash-LSH candidate\"}",
      "{\"dropped\":\"udhr/legacy\",\"kept\":\"udhr/keep-1\",\"jaccard\":1.0,\"kind\":\"exact\",\"step\":\"dedup\","
          + "\"decision\":\"duplicate\",\"jaccard_estimated\":null,\"jaccard_exact\":null,\"overlap_ngrams\":null,"
          + "\"reason\":\"same normalized text as udhr/keep-1\"}");

  @Test
  void jsonlHasOneLinePerDroppedDocumentWithTheFourKeysFirst() throws IOException {
    Result r = cli("lineage", "decisions", RUN, "--format", "jsonl");
    assertEquals(0, r.exitCode(), r.stderr());
    assertTrue(r.stdout().endsWith("\n"), r.stdout());
    List<String> lines = r.stdout().lines().toList();
    assertEquals(EXPECTED_JSONL.size(), lines.size(), r.stdout()); // normalized (a change, not a drop) is not listed
    for (int i = 0; i < lines.size(); i++) {
      JsonNode got = JSON.readTree(lines.get(i));
      assertEquals(JSON.readTree(EXPECTED_JSONL.get(i)), got, lines.get(i));
      List<String> keys = new ArrayList<>();
      got.fieldNames().forEachRemaining(keys::add);
      assertEquals(KEYS, keys, lines.get(i));
    }
    assertEquals(EXPECTED_JSONL, lines, "byte for byte");
    JsonNode legacy = JSON.readTree(lines.get(5));
    assertEquals("exact", legacy.get("kind").asText(), "a duplicate without a kind is exact");
    assertEquals(1.0, legacy.get("jaccard").asDouble());
  }

  @Test
  void stepSelectsTheDecisionsOfOneStep() {
    Result dedup = cli("lineage", "decisions", RUN, "--step", "dedup", "--format", "jsonl");
    assertEquals(EXPECTED_JSONL.subList(1, 6), dedup.stdout().lines().toList());
    Result curate = cli("lineage", "decisions", RUN, "--step", "curate", "--format", "jsonl");
    assertEquals(EXPECTED_JSONL.subList(0, 1), curate.stdout().lines().toList());
    Result none = cli("lineage", "decisions", RUN, "--step", "tokenize", "--format", "jsonl");
    assertEquals(0, none.exitCode());
    assertEquals("", none.stdout());
    assertTrue(none.stderr().contains("no decision of step 'tokenize'")
        && none.stderr().contains("steps with decisions: curate, dedup, ingest"), none.stderr());
  }

  @Test
  void jsonMeansJsonlAndOutWritesTheSameToAFile() throws IOException {
    Result json = cli("--json", "lineage", "decisions", RUN);
    assertEquals(EXPECTED_JSONL, json.stdout().lines().toList());
    Path file = dataDir.resolve("decisions.jsonl");
    Result out = cli("lineage", "decisions", RUN, "--format", "jsonl", "--out", file.toString());
    assertEquals(0, out.exitCode(), out.stderr());
    assertEquals("", out.stdout());
    assertEquals(json.stdout(), Files.readString(file));
    assertTrue(out.stderr().contains("wrote 6 dropped documents to " + file), out.stderr());
  }

  @Test
  void aWholeRunsDropsStreamOut() {
    Result r = cli("lineage", "decisions", fixture.runId(), "--format", "jsonl");
    assertEquals(fixture.filtered() + fixture.deduplicated(), r.stdout().lines().count());
    Result text = cli("lineage", "decisions", fixture.runId(), "--step", "dedup");
    assertTrue(text.stdout().endsWith(String.format("%n%,d documents dropped: exact %,d, fuzzy 2, contaminated 1%n",
        fixture.deduplicated(), fixture.deduplicated() - 3)), text.stdout());
  }

  @Test
  void textIsAnAlignedTableWithACountPerKind() {
    Result r = cli("lineage", "decisions", RUN);
    assertEquals(0, r.exitCode(), r.stderr());
    List<String> lines = r.stdout().lines().toList();
    assertEquals("Documents dropped by run near-run (all steps):", lines.get(0));
    String header = lines.get(1);
    int dropped = header.indexOf("dropped");
    int kept = header.indexOf("kept twin");
    assertTrue(header.startsWith("  step     kind") && header.contains("jaccard") && header.contains("13-grams"), header);
    List<String> rows = lines.subList(2, 8);
    for (String row : rows) {
      assertTrue(row.startsWith("  curate") || row.startsWith("  dedup"), row);
      assertEquals(' ', row.charAt(dropped - 1), row);
      assertTrue(row.substring(dropped).startsWith("udhr/"), "the dropped column is aligned: " + row);
      assertEquals(' ', row.charAt(kept - 1), row);
    }
    assertEquals(String.format("  %-8s %-13s %7s %-9s %8s  %-40s  %s", "dedup", "fuzzy", "0.930", "exact", "",
        "udhr/fuzzy-a", "udhr/keep-2"), rows.get(3));
    assertEquals(String.format("  %-8s %-13s %7s %-9s %8s  %-40s  %s", "dedup", "fuzzy", "0.840", "estimated", "",
        "udhr/fuzzy-b", "udhr/keep-2"), rows.get(4));
    assertEquals(String.format("  %-8s %-13s %7s %-9s %8s  %-40s  %s", "dedup", "exact", "1.000", "same text", "",
        "udhr/legacy", "udhr/keep-1"), rows.get(5));
    assertEquals(String.format("  %-8s %-13s %7s %-9s %8s  %-40s  %s", "dedup", "contaminated", "", "", "27",
        "udhr/contam", "eval/doc-7"), rows.get(1));
    assertEquals(String.format("  %-8s %-13s %7s %-9s %8s  %-40s  %s", "curate", "filtered", "", "", "",
        "udhr/filtered", "gopher_quality.stop_words = 1 (threshold >= 2)"), rows.get(0));
    assertEquals("", lines.get(8));
    assertEquals("6 documents dropped: exact 2, fuzzy 2, contaminated 1, filtered 1", lines.get(9));
    assertEquals(10, lines.size(), r.stdout());
  }

  @Test
  void anUnknownRunIsAnErrorAndNothingIsWritten() {
    Result r = cli("lineage", "decisions", "no-such-run", "--format", "jsonl");
    assertEquals(ExitCodes.FAILED, r.exitCode());
    assertEquals("", r.stdout());
    assertTrue(r.stderr().contains("pretrain: no run 'no-such-run' in our database"), r.stderr());
    Result format = cli("lineage", "decisions", RUN, "--format", "csv");
    assertEquals(ExitCodes.FAILED, format.exitCode());
    assertTrue(format.stderr().contains("--format csv: use text or jsonl"), format.stderr());
  }

  @Test
  void lineageOfARunOrDocumentStillWorksBesideTheSubcommand() {
    Result run = cli("lineage", RUN);
    assertEquals(0, run.exitCode(), run.stderr());
    assertTrue(run.stdout().startsWith("Run near-run (quick, running)"), run.stdout());
    Result doc = cli("lineage", "udhr/fuzzy-a");
    assertEquals(0, doc.exitCode(), doc.stderr());
    assertTrue(doc.stdout().contains("run near-run dedup: duplicate (kept twin udhr/keep-2)"), doc.stdout());
    Result nothing = cli("lineage");
    assertEquals(ExitCodes.FAILED, nothing.exitCode());
    assertTrue(nothing.stderr().contains("lineage needs an artifact URI"), nothing.stderr());
  }

  @Test
  void auditWhySaysHowADedupDropWasJudgedACopy() throws IOException {
    assertTrue(cli("audit", "why", "udhr/fuzzy-a").stdout().contains("  run near-run dedup: near-duplicate of "
        + "udhr/keep-2, which was kept (Jaccard 0.93 exact, 0.91 estimated) - MinHash-LSH candidate, checked\n"));
    assertTrue(cli("audit", "why", "udhr/fuzzy-b").stdout().contains(
        "near-duplicate of udhr/keep-2, which was kept (Jaccard 0.84 estimated)"));
    String exact = cli("audit", "why", "udhr/exact").stdout();
    assertTrue(exact.contains("  run near-run: removed\n"), exact);
    assertTrue(exact.contains("  run near-run dedup: exact duplicate of udhr/keep-1, which was kept - same normalized "
        + "text as udhr/keep-1\n"), exact);
    assertTrue(cli("audit", "why", "udhr/legacy").stdout().contains(
        "run near-run dedup: exact duplicate of udhr/keep-1, which was kept"));
    String contam = cli("audit", "why", "udhr/contam").stdout();
    assertTrue(contam.contains("run near-run dedup: contaminated: shares 27 13-grams with evaluation document "
        + "eval/doc-7 - shares 27 13-grams with eval/doc-7\n"), contam);
    assertTrue(contam.contains("  run near-run: removed\n"), contam);
    String filtered = cli("audit", "why", "udhr/filtered").stdout();
    assertTrue(filtered.contains("run near-run curate: filtered - gopher_quality.stop_words = 1 (threshold >= 2)\n"),
        filtered);

    JsonNode json = JSON.readTree(cli("--json", "audit", "why", "udhr/fuzzy-a").stdout());
    JsonNode d = json.get("decisions").get(0);
    assertEquals("duplicate", d.get("decision").asText());
    assertEquals("udhr/keep-2", d.get("relatedDocId").asText());
    assertEquals("fuzzy", d.get("kind").asText());
    assertEquals(0.93, d.get("jaccard").asDouble());
    assertEquals(0.91, d.get("jaccardEstimated").asDouble());
    assertEquals(0.93, d.get("jaccardExact").asDouble());
    assertTrue(d.get("overlapNgrams").isNull());
    assertTrue(d.get("explanation").asText().startsWith("near-duplicate of udhr/keep-2"), d.toString());
    JsonNode legacy = JSON.readTree(cli("--json", "audit", "why", "udhr/legacy").stdout()).get("decisions").get(0);
    assertEquals("exact", legacy.get("kind").asText());
    assertTrue(legacy.get("dedupKind").isNull(), "as recorded: no kind before V11");
    assertEquals(1.0, legacy.get("jaccard").asDouble());
  }

  @Test
  void theAuditReportCountsDedupDropsPerKind() {
    AuditReport r = AuditReport.build(db.jdbc(), fixture.quantizedUri()).orElseThrow();
    AuditReport.Summary s = r.summary();
    assertEquals(fixture.deduplicated(), s.deduplicated(), "the funnel's count is the tally's, as before");
    assertTrue(s.conserved());
    assertEquals(List.of("exact", "fuzzy", "contaminated"), List.copyOf(s.deduplicatedByKind().keySet()));
    assertEquals(Map.of("exact", fixture.deduplicated() - 3, "fuzzy", 2L, "contaminated", 1L), s.deduplicatedByKind());

    String text = AuditCommand.text(r);
    assertTrue(text.contains(String.format("%n  deduplicated by kind: exact %,d, fuzzy 2, contaminated 1%n",
        fixture.deduplicated() - 3)), text);
    String html = AuditHtml.render(r);
    assertTrue(html.contains(String.format("%,d duplicates (%,d exact, 2 fuzzy, 1 contaminated)",
        fixture.deduplicated(), fixture.deduplicated() - 3)), "the summary card");
    assertTrue(html.contains("<tr><th>Duplicates removed, by kind</th><td>" + String.format("%,d",
        fixture.deduplicated() - 3) + " exact, 2 fuzzy, 1 contaminated</td></tr>"), "the summary table");
  }

  @Test
  void theReportsJsonCarriesTheCountsPerKind() throws IOException {
    AuditReport r = AuditReport.build(db.jdbc(), fixture.quantizedUri()).orElseThrow();
    JsonNode summary = AuditCommand.REPORT_JSON.readTree(AuditCommand.REPORT_JSON.writeValueAsString(r)).get("summary");
    JsonNode kinds = summary.get("deduplicatedByKind");
    assertEquals(fixture.deduplicated() - 3, kinds.get("exact").asLong());
    assertEquals(2, kinds.get("fuzzy").asLong());
    assertEquals(1, kinds.get("contaminated").asLong());
    assertEquals(fixture.deduplicated(), summary.get("deduplicated").asLong());
  }
}
