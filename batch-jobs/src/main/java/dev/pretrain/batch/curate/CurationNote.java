package dev.pretrain.batch.curate;

/**
 * One thing curation measured or did to a document: a rule that rejected it, lines a filter removed,
 * PII replaced, the language detected.
 *
 * @param rule      {@code <stage>.<rule>}, e.g. gopher_quality.stop_words, pii.email, language.detected
 * @param action    what it did (CurationRepository's actions: rejected, removed-lines, redacted, detected, mismatch)
 * @param measured  the measured value, or null
 * @param threshold the threshold it was held to, as text, or null
 * @param detail    words for people, or null
 */
public record CurationNote(String rule, String action, Double measured, String threshold, String detail) {

  /** "gopher_quality.stop_words = 1 (needs >= 2)". */
  public String describe() {
    StringBuilder sb = new StringBuilder(rule);
    if (measured != null) {
      sb.append(" = ").append(format(measured));
    }
    if (threshold != null) {
      sb.append(" (threshold ").append(threshold).append(')');
    }
    if (detail != null) {
      sb.append(": ").append(detail);
    }
    return sb.toString();
  }

  static String format(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return String.format(java.util.Locale.ROOT, "%.4g", v);
  }
}
