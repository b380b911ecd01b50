package dev.pretrain.workflows.ingest;

import java.util.List;
import java.util.Locale;

/**
 * The curation stage of ingest: what it runs on each document that passed validation, in this order:
 * quality filters, language identification, PII redaction. Every decision is recorded per document
 * (docs/curation.md).
 *
 * @param filters              run the quality filters (Gopher quality and repetition, C4, FineWeb)
 * @param languageId           identify each document's language (recorded; see {@code languages})
 * @param pii                  replace e-mail addresses, public IP addresses and phone numbers
 * @param minLanguageConfidence below this confidence the language is "und" (datatrove: 0.65)
 * @param languages            ISO 639 codes a document must be in to be kept; empty keeps every language
 * @param docsSources          sources whose documents get the milder rule set for code and documentation,
 *                             besides the sources whose corpus entry declares {@code content: docs|code}
 */
public record CurateParams(boolean filters, boolean languageId, boolean pii, double minLanguageConfidence,
    List<String> languages, List<String> docsSources) {

  public CurateParams {
    if (minLanguageConfidence < 0 || minLanguageConfidence > 1) {
      throw new IllegalArgumentException("minLanguageConfidence is in [0, 1], not " + minLanguageConfidence);
    }
    languages = languages == null ? List.of() : languages.stream().map(l -> l.trim().toLowerCase(Locale.ROOT)).toList();
    docsSources = docsSources == null ? List.of() : List.copyOf(docsSources);
  }

  /** Everything on, every language kept, datatrove's confidence threshold. */
  public static CurateParams defaults() {
    return new CurateParams(true, true, true, 0.65, List.of(), List.of());
  }

  /** True when any stage runs. */
  public boolean any() {
    return filters || languageId || pii;
  }
}
