package dev.pretrain.batch.ingest;

import dev.pretrain.batch.curate.DocumentCurator;
import org.springframework.batch.infrastructure.item.ItemProcessor;

/**
 * The curation stage of the ingest chain (after validation): quality filters, language identification
 * and PII redaction on each kept document ({@link DocumentCurator}). A document a rule removes becomes
 * {@link IngestOutcome.Filtered}; records validation refused pass through unchanged. Never returns null.
 */
public class IngestCurationProcessor implements ItemProcessor<IngestOutcome, IngestOutcome> {

  private final DocumentCurator curator;

  /** @param curator null when the run has no curation: every outcome passes unchanged */
  public IngestCurationProcessor(DocumentCurator curator) {
    this.curator = curator;
  }

  @Override
  public IngestOutcome process(IngestOutcome outcome) {
    if (curator == null || !(outcome instanceof IngestOutcome.Kept k)) {
      return outcome;
    }
    DocumentCurator.Result r = curator.curate(k.source(), k.language(), k.text());
    if (r.rejected()) {
      return new IngestOutcome.Filtered(k.curated(k.text(), r.notes()), r.rejection(), r.notes(), r.ruleSet());
    }
    return k.curated(r.text(), r.notes());
  }
}
