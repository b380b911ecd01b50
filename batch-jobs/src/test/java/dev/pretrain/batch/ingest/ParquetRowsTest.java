package dev.pretrain.batch.ingest;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;

class ParquetRowsTest {

  @Test
  void aTextColumnMustBeAStringNotRawBinary() {
    assertDoesNotThrow(() -> ParquetRows.checkTextColumn(
        MessageTypeParser.parseMessageType("message doc { optional binary text (STRING); optional int64 id; }")));
    assertDoesNotThrow(() -> ParquetRows.checkTextColumn(
        MessageTypeParser.parseMessageType("message doc { optional binary text (UTF8); }")));
    assertDoesNotThrow(() -> ParquetRows.checkTextColumn(
        MessageTypeParser.parseMessageType("message doc { optional binary body (STRING); }")),
        "no text column: each row is quarantined for its missing text instead");
    ParquetRows.ParquetFileException e = assertThrows(ParquetRows.ParquetFileException.class,
        () -> ParquetRows.checkTextColumn(MessageTypeParser.parseMessageType("message doc { optional binary text; }")));
    assertTrue(e.getMessage().startsWith("column 'text' is BINARY without the STRING (UTF8) annotation"), e.getMessage());
  }
}
