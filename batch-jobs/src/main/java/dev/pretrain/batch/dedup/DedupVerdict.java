package dev.pretrain.batch.dedup;

import dev.pretrain.batch.shards.ShardDocument;

/**
 * A document and, if it is dropped, the document it was judged a copy of ({@code keptTwinId}: the
 * kept twin, or the evaluation document a contaminated one overlaps) and how.
 *
 * @param kind      exact | fuzzy | contaminated (null when kept)
 * @param estimated Jaccard estimated from MinHash signatures (fuzzy), else null
 * @param exact     exact Jaccard of the shingle sets (exact copies: 1), null when not checked
 * @param overlap   shared n-grams with the evaluation document (contaminated), else null
 * @param note      more on how it was judged (e.g. the member it was linked through), or null
 */
public record DedupVerdict(ShardDocument document, String keptTwinId, String kind, Double estimated, Double exact,
    Integer overlap, String note) {

  public static final String EXACT = "exact";
  public static final String FUZZY = "fuzzy";
  public static final String CONTAMINATED = "contaminated";

  /** An exact-dedup verdict: kept (twin null) or an exact copy of {@code keptTwinId}. */
  public DedupVerdict(ShardDocument document, String keptTwinId) {
    this(document, keptTwinId, keptTwinId == null ? null : EXACT, null, keptTwinId == null ? null : 1.0, null, null);
  }

  public boolean duplicate() {
    return keptTwinId != null;
  }
}
