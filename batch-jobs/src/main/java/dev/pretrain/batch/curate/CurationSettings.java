package dev.pretrain.batch.curate;

import java.util.List;
import java.util.Set;

/**
 * What the curation stage runs (the batch side of a recipe's {@code curate:} section).
 *
 * @param languages   ISO 639 codes a document must be in to be kept; empty keeps every language
 * @param docsSources sources given the milder rule set for code and documentation (besides those whose
 *                    corpus entry declares it)
 */
public record CurationSettings(boolean filters, boolean languageId, boolean pii, double minLanguageConfidence,
    List<String> languages, Set<String> docsSources) {

  public CurationSettings {
    languages = List.copyOf(languages);
    docsSources = Set.copyOf(docsSources);
  }

  public static CurationSettings all() {
    return new CurationSettings(true, true, true, 0.65, List.of(), Set.of());
  }
}
