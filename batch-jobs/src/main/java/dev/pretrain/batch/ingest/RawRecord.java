package dev.pretrain.batch.ingest;

/**
 * One record as read, before any validation: a JSONL line or a whole text file, as bytes; or a
 * fault met while reading it (a line over the size limit, a truncated gzip stream).
 *
 * @param line       1-based line number (1 for a text file)
 * @param byteOffset offset of the record's first byte in the (decompressed) file
 * @param bytes      the record without its line end; null for a fault
 * @param fault      why the record could not be read; null when it was
 * @param head       the record's first bytes, for a fault's preview
 * @param faultDisposition what a fault becomes: {@link IngestOutcome#QUARANTINED} (the bytes are broken),
 *                   or {@link IngestOutcome#REJECTED} for a record the reader could read but that holds no
 *                   document (a WARC response that is a PDF, or a 404); null when there is no fault
 */
record RawRecord(String fileUri, InputFormat format, long line, long byteOffset, byte[] bytes, String fault,
    byte[] head, String faultDisposition) {

  static RawRecord data(String fileUri, InputFormat format, long line, long byteOffset, byte[] bytes) {
    return new RawRecord(fileUri, format, line, byteOffset, bytes, null, null, null);
  }

  /** A record that cannot be read: quarantined with the reason. */
  static RawRecord fault(String fileUri, InputFormat format, long line, long byteOffset, String fault, byte[] head) {
    return new RawRecord(fileUri, format, line, byteOffset, null, fault, head, IngestOutcome.QUARANTINED);
  }

  /** A record read well that is not a document (the reader knows why): rejected with the reason. */
  static RawRecord rejected(String fileUri, InputFormat format, long line, long byteOffset, String reason,
      byte[] head) {
    return new RawRecord(fileUri, format, line, byteOffset, null, reason, head, IngestOutcome.REJECTED);
  }
}
