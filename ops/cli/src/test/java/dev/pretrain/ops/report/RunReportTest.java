package dev.pretrain.ops.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

  @Test
  void modelStepsShowLossAndBitsPerByteBeforeAndAfterThroughputAndQuantizedSize() {
    StepSummary train = new StepSummary("train", counts("steps", 500, "resumed_from_step", 0, "tokens_seen", 512000,
        "parameters", 7236864), 2_700_000, 330_000, List.of(), Map.of("train_loss", 5.5, "tokens_per_second", 1550.0));
    StepSummary eval = new StepSummary("evaluate", counts("val_tokens", 32767), 1000, 20_000, List.of(),
        Map.of("val_loss_before", 10.7, "bits_per_byte_before", 4.1, "perplexity_before", 44355.0, "val_loss", 6.0,
            "bits_per_byte", 2.3, "perplexity", 403.4));
    StepSummary quant = new StepSummary("quantize", counts("fp32_bytes", 28947456, "quantized_bytes", 7691152), 0,
        15_000, List.of(), Map.of("size_ratio", 0.2657, "val_loss_q8", 6.0001, "bits_per_byte_q8", 2.3, "loss_delta",
            0.0001));
    RunReport report = new RunReport(new RunSummary("r2", "completed", List.of(train, eval, quant)), null, "pretrain");

    assertEquals(1550.0, RunReport.tokensPerSecond(train), 1e-9, "the trainer's rate, not tokens over step time");
    String text = report.text();
    assertTrue(text.contains("Model: 7,236,864 parameters, 500 steps, 512,000 tokens, 1550 tokens/s"), text);
    assertTrue(text.matches("(?s).*before training\\s+10\\.7000\\s+4\\.1000.*"), text);
    assertTrue(text.matches("(?s).*after training\\s+6\\.0000\\s+2\\.3000.*"), text);
    assertTrue(text.contains("Q8_0: 7.69 MB of weights, 0.266 of fp32 (28.95 MB); loss delta +0.00010"), text);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> steps = (List<Map<String, Object>>) report.json().get("steps");
    assertEquals(6.0, ((Map<?, ?>) steps.get(1).get("figures")).get("val_loss"));
  }

  @Test
  void theExportStepAddsARowPerGgufTypeAndNamesTheReportAndTheModelCard() {
    StepSummary train = new StepSummary("train", counts("steps", 500, "parameters", 6917376), 0, 1000, List.of(),
        Map.of("train_loss", 6.0));
    StepSummary eval = new StepSummary("evaluate", counts("val_tokens", 42930), 0, 1000, List.of(),
        Map.of("val_loss", 6.0, "bits_per_byte", 2.8));
    StepSummary export = new StepSummary("export", counts("files", 2), 0, 1000, List.of(
        new ArtifactRef("s3://pretrain/runs/r3/export/model-q4_0.gguf", "a".repeat(64), 10),
        new ArtifactRef("s3://pretrain/runs/r3/report/evaluation.html", "b".repeat(64), 10),
        new ArtifactRef("s3://pretrain/runs/r3/report/model-card.md", "c".repeat(64), 10)),
        Map.of("loss_delta_q4_0", 0.005, "bits_per_byte_q4_0", 2.8024));
    String text = new RunReport(new RunSummary("r3", "completed", List.of(train, eval, export)), null, "pretrain").text();
    assertTrue(text.matches("(?s).*GGUF q4_0\\s+6\\.0050\\s+2\\.8024.*"), text);
    assertFalse(text.contains("GGUF f16"), text);
    assertTrue(text.contains("Evaluation report: s3://pretrain/runs/r3/report/evaluation.html"), text);
    assertTrue(text.contains("Model card: s3://pretrain/runs/r3/report/model-card.md"), text);
  }
}
