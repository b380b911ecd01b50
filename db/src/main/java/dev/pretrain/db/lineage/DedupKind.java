package dev.pretrain.db.lineage;

import java.util.Comparator;
import java.util.List;

/**
 * How a dedup drop was judged a copy (V11's {@code document_decisions.dedup_kind}): {@link #EXACT}
 * (same normalized text), {@link #FUZZY} (MinHash-LSH near-duplicate) or {@link #CONTAMINATED}
 * (shares n-grams with a held-out evaluation document). Rows written before V11 have no kind: the
 * dedup of then compared exact text only, so a {@code duplicate} without a kind is exact.
 */
public final class DedupKind {

  public static final String EXACT = "exact";
  public static final String FUZZY = "fuzzy";
  public static final String CONTAMINATED = "contaminated";

  /** The decisions dedup records for a dropped document. */
  public static final String DUPLICATE_DECISION = "duplicate";
  public static final String CONTAMINATED_DECISION = "contaminated";

  /** The known kinds in the order reports list them; other values sort after them, alphabetically. */
  public static final List<String> KNOWN = List.of(EXACT, FUZZY, CONTAMINATED);

  public static final Comparator<String> ORDER = Comparator
      .comparingInt((String k) -> KNOWN.contains(k) ? KNOWN.indexOf(k) : KNOWN.size())
      .thenComparing(Comparator.naturalOrder());

  private DedupKind() {}

  /** The kind of a decision: its recorded kind, exact for a duplicate recorded before kinds were, else null. */
  public static String of(String decision, String dedupKind) {
    if (dedupKind != null) {
      return dedupKind;
    }
    if (DUPLICATE_DECISION.equals(decision)) {
      return EXACT;
    }
    return CONTAMINATED_DECISION.equals(decision) ? CONTAMINATED : null;
  }

  /**
   * The similarity to quote for a drop: the exact Jaccard when it was checked, else the estimate,
   * else 1.0 for an exact duplicate (same text); null when there is none (contamination, other decisions).
   */
  public static Double jaccard(String kind, Double jaccardExact, Double jaccardEstimated) {
    if (jaccardExact != null) {
      return jaccardExact;
    }
    if (jaccardEstimated != null) {
      return jaccardEstimated;
    }
    return EXACT.equals(kind) ? 1.0 : null;
  }
}
