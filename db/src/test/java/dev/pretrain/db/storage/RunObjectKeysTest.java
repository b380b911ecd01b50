package dev.pretrain.db.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Existing runs and the step cache point at these keys: a change here must be deliberate. */
class RunObjectKeysTest {

  @Test
  void everyKeyKeepsItsLayout() {
    assertEquals("runs/r1/", RunObjectKeys.runPrefix("r1"));
    assertEquals("runs/r1/ingest/docs-00003-012.jsonl", RunObjectKeys.ingestShard("r1", 3, 12));
    assertEquals("runs/r1/ingest/quarantine-00003.jsonl", RunObjectKeys.ingestQuarantine("r1", 3));
    assertEquals("runs/r1/ingest/rejects-00003.jsonl", RunObjectKeys.ingestRejects("r1", 3));
    assertEquals("runs/r1/dedup/docs-00007.jsonl", RunObjectKeys.dedupShard("r1", 7));
    assertEquals("runs/r1/tokenizer/tokenizer.json", RunObjectKeys.tokenizerJson("r1"));
    assertEquals("runs/r1/export/model-q4_0.gguf", RunObjectKeys.exportGguf("r1", "q4_0"));
    assertEquals("runs/r1/tokenizer/sample.jsonl", RunObjectKeys.tokenizerSample("r1"));
    assertEquals("runs/r1/tokenizer/card.json", RunObjectKeys.tokenizerCard("r1"));
    assertEquals("runs/r1/tokenize/train-00002.bin", RunObjectKeys.tokenShard("r1", "train", 2));
    assertEquals("runs/r1/tokenize/val-00002.map.jsonl", RunObjectKeys.tokenMap("r1", "val", 2));
    assertEquals("runs/r1/train/ckpt-0000400.pt", RunObjectKeys.trainCheckpoint("r1", 400));
    assertEquals("runs/r1/train/ckpt-", RunObjectKeys.trainCheckpointPrefix("r1"));
    assertEquals("runs/r1/train/model.pt", RunObjectKeys.trainModel("r1"));
    assertEquals("runs/r1/train/token-ranges.json", RunObjectKeys.trainTokenRanges("r1"));
    assertEquals("runs/r1/evaluate/final.json", RunObjectKeys.evaluateReport("r1", "final"));
    assertEquals("runs/r1/quantize/model-q8_0.bin", RunObjectKeys.quantizedModel("r1"));
    assertEquals("runs/r1/quantize/report.json", RunObjectKeys.quantizeReport("r1"));
  }

  @Test
  void theIngestPartitionOfAnIngestObjectIsReadBack() {
    assertEquals(7, RunObjectKeys.ingestPartitionOf("s3://b/" + RunObjectKeys.ingestShard("r", 7, 2)));
    assertEquals(12, RunObjectKeys.ingestPartitionOf(RunObjectKeys.ingestQuarantine("r", 12)));
    assertEquals(3, RunObjectKeys.ingestPartitionOf(RunObjectKeys.ingestRejects("r", 3)));
    assertEquals(-1, RunObjectKeys.ingestPartitionOf("s3://b/runs/r/dedup/docs-00001.jsonl"));
  }

  @Test
  void numbersWiderThanTheirPaddingAreWrittenInFull() {
    assertEquals("runs/r1/ingest/docs-123456-1234.jsonl", RunObjectKeys.ingestShard("r1", 123456, 1234));
    assertEquals("runs/r1/train/ckpt-12345678.pt", RunObjectKeys.trainCheckpoint("r1", 12_345_678));
  }

  @Test
  void checkpointsAreUnderTheirListingPrefix() {
    assertTrue(RunObjectKeys.trainCheckpoint("r1", 5).startsWith(RunObjectKeys.trainCheckpointPrefix("r1")));
    assertTrue(RunObjectKeys.trainModel("r1").startsWith(RunObjectKeys.runPrefix("r1")));
  }

  @Test
  void checkpointStepIsReadFromKeysAndUris() {
    assertEquals(400, RunObjectKeys.checkpointStep(RunObjectKeys.trainCheckpoint("r1", 400)));
    assertEquals(12_345_678, RunObjectKeys.checkpointStep("s3://b/runs/r1/train/ckpt-12345678.pt"));
    assertEquals(-1, RunObjectKeys.checkpointStep("s3://b/runs/r1/train/model.pt"));
    assertEquals(-1, RunObjectKeys.checkpointStep("s3://b/runs/r1/train/ckpt-400.pt"), "fewer than seven digits");
    assertEquals(-1, RunObjectKeys.checkpointStep("s3://b/runs/r1/train/ckpt-0000400.pt.tmp"));
  }
}
