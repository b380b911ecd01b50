package dev.pretrain.ops.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.run.RunSummary;
import dev.pretrain.workflows.run.StepSummary;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunReportTest {

  private static Map<String, Long> counts(Object... kv) {
    Map<String, Long> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], ((Number) kv[i + 1]).longValue());
    }
    return m;
  }

  @Test
  void ratesAndLocations() {
    StepSummary ingest = new StepSummary("ingest", counts("records_in", 1000, "kept", 990), 10_000_000, 2000,
        List.of(new ArtifactRef("s3://pretrain/runs/r1/ingest/docs-00000.jsonl", "a", 10),
            new ArtifactRef("s3://pretrain/runs/r1/ingest/docs-00001.jsonl", "b", 20)));
    StepSummary tokenize = new StepSummary("tokenize", counts("documents", 990, "train_tokens", 900, "val_tokens", 100),
        5_000_000, 500, List.of(new ArtifactRef("s3://pretrain/runs/r1/tokenize/train-00000.bin", "c", 5)));
    StepSummary dedup = new StepSummary("dedup", counts("other", 1), 0, 0, List.of());

    assertEquals(5.0, RunReport.megabytesPerSecond(ingest), 1e-9);
    assertEquals(500.0, RunReport.docsPerSecond(ingest), 1e-9);
    assertEquals(-1, RunReport.tokensPerSecond(ingest));
    assertEquals(2000.0, RunReport.tokensPerSecond(tokenize), 1e-9);
    assertEquals(-1, RunReport.docsPerSecond(dedup));
    assertEquals("s3://pretrain/runs/r1/ingest/", RunReport.commonFolder(ingest.outputs()));

    RunReport report = new RunReport(new RunSummary("r1", "completed", List.of(ingest, dedup, tokenize)),
        "http://localhost:8233/namespaces/default/workflows/pretrain-r1", "pretrain");
    String text = report.text();
    assertTrue(text.startsWith("Run r1: completed"), text);
    assertTrue(text.contains("http://localhost:8233/namespaces/default/workflows/pretrain-r1"), text);
    assertTrue(text.contains("records_in=1000 kept=990"), text);
    assertTrue(text.contains("s3://pretrain/runs/r1/"), text);
    Map<String, Object> json = report.json();
    assertEquals("r1", json.get("runId"));
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> steps = (List<Map<String, Object>>) json.get("steps");
    assertEquals(3, steps.size());
    assertEquals(5.0, steps.get(0).get("mbPerSecond"));
    assertEquals(500.0, steps.get(0).get("docsPerSecond"));
  }
}
