package dev.pretrain.batch.ingest;

import dev.pretrain.batch.curate.CurationNote;
import java.util.List;

/**
 * What became of one input record: kept as a document, removed by curation (with the rule), or not a
 * document (with the reason). Nothing is dropped silently.
 */
sealed interface IngestOutcome permits IngestOutcome.Kept, IngestOutcome.Filtered, IngestOutcome.Bad {

  String QUARANTINED = "quarantined";
  String REJECTED = "rejected";

  String fileUri();

  long line();

  /**
   * A document with its normalized text and metadata; {@code sha256} is of the normalized UTF-8 text.
   *
   * @param change    what ingest removed from the text beyond BOM/line-end/NFC normalization (recorded as a
   *                  document decision), or null
   * @param url       where a web document was fetched from (a WARC record's target, or a record's {@code url}), or null
   * @param fetchedAt when it was fetched (a WARC-Date, or a record's {@code fetched_at}), or null
   * @param curation  what curation measured and did (language, PII, lines removed), or null when it did not run
   */
  record Kept(String fileUri, long line, String id, String text, String source, String sourceVersion, String path,
      String license, String language, String jurisdiction, String sha256, String change, String url,
      String fetchedAt, List<CurationNote> curation) implements IngestOutcome {

    /** The same document after curation: its text (and digest) as curation left it, with its notes. */
    Kept curated(String curatedText, List<CurationNote> notes) {
      String digest = curatedText.equals(text) ? sha256 : IngestRecordProcessor.sha256(curatedText);
      return new Kept(fileUri, line, id, curatedText, source, sourceVersion, path, license, language, jurisdiction,
          digest, change, url, fetchedAt, List.copyOf(notes));
    }
  }

  /**
   * A valid document that curation removed: the rule that did, with what it measured and the threshold.
   *
   * @param notes   everything curation measured before it stopped (the rejection last)
   * @param ruleSet the quality rule set applied ("prose", "docs"), or null
   */
  record Filtered(Kept document, CurationNote rejection, List<CurationNote> notes, String ruleSet)
      implements IngestOutcome {
    @Override
    public String fileUri() {
      return document.fileUri();
    }

    @Override
    public long line() {
      return document.line();
    }
  }

  /**
   * @param disposition {@link #QUARANTINED} (unreadable, malformed) or {@link #REJECTED} (readable, but not a document)
   * @param preview     the record's first bytes, decoded leniently
   */
  record Bad(String fileUri, long line, long byteOffset, String disposition, String reason, String preview)
      implements IngestOutcome {}
}
