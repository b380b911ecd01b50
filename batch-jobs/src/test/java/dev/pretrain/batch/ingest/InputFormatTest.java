package dev.pretrain.batch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pretrain.batch.ingest.InputFormat.Compression;
import org.junit.jupiter.api.Test;

class InputFormatTest {

  @Test
  void theNameDecidesFormatAndCompression() {
    assertEquals(InputFormat.JSONL, InputFormat.of("s3://b/a.jsonl"));
    assertEquals(InputFormat.JSONL, InputFormat.of("s3://b/a.JSONL.gz"));
    assertEquals(InputFormat.JSONL, InputFormat.of("file:///d/a.jsonl.zst"));
    assertEquals(InputFormat.TEXT, InputFormat.of("s3://b/a.txt.zst"));
    assertEquals(InputFormat.TEXT, InputFormat.of("s3://b/README"));
    assertEquals(InputFormat.TEXT, InputFormat.of("s3://b/a.jsonl.bz2"));
    assertEquals(Compression.ZSTD, InputFormat.compression("s3://b/a.jsonl.zst"));
    assertEquals(Compression.ZSTD, InputFormat.compression("s3://b/a.txt.ZST"));
    assertEquals(Compression.GZIP, InputFormat.compression("s3://b/a.jsonl.gz"));
    assertEquals(Compression.NONE, InputFormat.compression("s3://b/a.jsonl"));
    assertEquals(Compression.NONE, InputFormat.compression("s3://b/a.zstd"));
  }
}
