package dev.pretrain.batch.ingest;

/** What became of one input record: kept as a document, or not (with the reason). Nothing is dropped silently. */
sealed interface IngestOutcome permits IngestOutcome.Kept, IngestOutcome.Bad {

  String QUARANTINED = "quarantined";
  String REJECTED = "rejected";

  String fileUri();

  long line();

  /**
   * A document with its normalized text and metadata; {@code sha256} is of the normalized UTF-8 text.
   *
   * @param change what ingest removed from the text beyond BOM/line-end/NFC normalization (recorded as a
   *               document decision), or null
   * @param url      where a web document was fetched from (a WARC record's target, or a record's {@code url}), or null
   * @param fetchedAt when it was fetched (a WARC-Date, or a record's {@code fetched_at}), or null
   */
  record Kept(String fileUri, long line, String id, String text, String source, String sourceVersion, String path,
      String license, String language, String jurisdiction, String sha256, String change, String url,
      String fetchedAt) implements IngestOutcome {}

  /**
   * @param disposition {@link #QUARANTINED} (unreadable, malformed) or {@link #REJECTED} (readable, but not a document)
   * @param preview     the record's first bytes, decoded leniently
   */
  record Bad(String fileUri, long line, long byteOffset, String disposition, String reason, String preview)
      implements IngestOutcome {}
}
