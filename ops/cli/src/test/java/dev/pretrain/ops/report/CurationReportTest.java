package dev.pretrain.ops.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pretrain.db.curation.CurationRepository.Tally;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CurationReportTest {

  private static final List<Tally> INGEST = List.of(
      new Tally("kjv", "kept", "", 60),
      new Tally("kjv", "filtered", "gopher_quality.word_count", 6),
      new Tally("kjv", "changed", "pii.email", 2),
      new Tally("udhr", "kept", "", 500),
      new Tally("udhr", "flagged", "language.mismatch", 3),
      new Tally("udhr", "quarantined", "invalid JSON at column N", 1),
      new Tally("udhr", "rejected", "whitespace-only text", 2));

  @Test
  void countsEveryRecordOncePerSourceAndReason() {
    CurationReport r = new CurationReport("run-1", Map.of("ingest", INGEST,
        "dedup", List.of(new Tally("kjv", "kept", "", 60), new Tally("udhr", "kept", "", 490),
            new Tally("udhr", "deduplicated", "exact duplicate", 10))));
    List<CurationReport.SourceLine> lines = r.lines();
    assertEquals(2, lines.size());
    CurationReport.SourceLine kjv = lines.get(0);
    assertEquals(66, kjv.in());
    assertEquals(60, kjv.kept());
    assertEquals(Map.of("filtered: gopher_quality.word_count", 6L), kjv.removed());
    assertEquals(Map.of("pii.email", 2L), kjv.changed(), "a change is not an outcome");
    CurationReport.SourceLine udhr = lines.get(1);
    assertEquals(503, udhr.in());
    assertEquals(490, udhr.kept(), "dedup's removals leave the ingest's kept");
    assertTrue(r.conserved());
    String text = r.text();
    assertTrue(text.contains("Counts conserved for every source."), text);
    assertTrue(text.contains("deduplicated: exact duplicate"), text);
    assertTrue(text.contains("flagged: language.mismatch"), text);
  }

  @Test
  void withoutDedupWhatIngestKeptIsWhatIsLeft() {
    CurationReport r = new CurationReport("run-3", Map.of("ingest", INGEST));
    assertEquals(500, r.lines().get(1).kept());
    assertTrue(r.conserved());
  }

  @Test
  void aDedupCountForASourceIngestNeverSawIsNotConserved() {
    CurationReport r = new CurationReport("run-2", Map.of("ingest", INGEST,
        "dedup", List.of(new Tally("kjv", "kept", "", 60), new Tally("udhr", "kept", "", 500),
            new Tally("ghost", "deduplicated", "exact duplicate", 1))));
    assertFalse(r.conserved());
    assertTrue(r.text().contains("NOT CONSERVED"), r.text());
  }
}
