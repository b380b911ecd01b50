package dev.pretrain.ops.report;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.pretrain.db.lineage.DedupKind;
import dev.pretrain.db.lineage.LineageQueries;
import dev.pretrain.db.lineage.LineageQueries.Drop;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The documents a run dropped, one per line, as they stream from the database ({@code lineage
 * decisions}): JSON lines whose first four keys are {@code dropped, kept, jaccard, kind}, or an
 * aligned table with a count per kind at the end. Nothing is held in memory but the counts.
 */
public final class DecisionExport {

  public enum Format { TEXT, JSONL }

  /** How many documents were written, in all and per kind (exact, fuzzy, contaminated, then others). */
  public record Counts(long total, Map<String, Long> byKind) {}

  /** The number of n-grams decontamination compares (the shared ones are {@code overlap_ngrams}). */
  public static final int CONTAMINATION_NGRAM = 13;

  private static final JsonFactory JSON = new JsonFactory();
  private static final String TEXT_ROW = "  %-8s %-13s %7s %-9s %8s  %-40s  %s%n";

  private DecisionExport() {}

  /**
   * Writes the drops of {@code runId} (of {@code step}, or of every step when null) to {@code out},
   * which it flushes but does not close.
   */
  public static Counts write(LineageQueries q, String runId, String step, Format format, Writer out)
      throws IOException {
    Map<String, Long> byKind = new TreeMap<>(DedupKind.ORDER);
    long total;
    try {
      if (format == Format.JSONL) {
        try (JsonGenerator g = JSON.createGenerator(out)) {
          g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
          g.setRootValueSeparator(null); // each line ends with its own newline
          total = q.forEachDrop(runId, step, d -> {
            byKind.merge(d.kind(), 1L, Long::sum);
            jsonLine(g, d);
          });
        }
      } else {
        out.write(String.format(Locale.ROOT, "Documents dropped by run %s (%s):%n", runId,
            step == null ? "all steps" : "step " + step));
        out.write(String.format(Locale.ROOT, TEXT_ROW, "step", "kind", "jaccard", "", CONTAMINATION_NGRAM + "-grams",
            "dropped", "kept twin, evaluation document, or reason"));
        total = q.forEachDrop(runId, step, d -> {
          byKind.merge(d.kind(), 1L, Long::sum);
          try {
            out.write(textRow(d));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
        out.write(summary(total, byKind));
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    out.flush();
    return new Counts(total, new LinkedHashMap<>(byKind));
  }

  /**
   * One line: {@code dropped, kept, jaccard, kind}, then {@code step, decision, jaccard_estimated,
   * jaccard_exact, overlap_ngrams, reason}; every line has every key, null where a value is absent.
   */
  private static void jsonLine(JsonGenerator g, Drop d) {
    try {
      g.writeStartObject();
      g.writeStringField("dropped", d.docId());
      g.writeStringField("kept", d.relatedDocId());
      number(g, "jaccard", d.jaccard());
      g.writeStringField("kind", d.kind());
      g.writeStringField("step", d.step());
      g.writeStringField("decision", d.decision());
      number(g, "jaccard_estimated", d.jaccardEstimated());
      number(g, "jaccard_exact", d.jaccardExact());
      if (d.overlapNgrams() == null) {
        g.writeNullField("overlap_ngrams");
      } else {
        g.writeNumberField("overlap_ngrams", d.overlapNgrams().intValue());
      }
      g.writeStringField("reason", d.reason());
      g.writeEndObject();
      g.writeRaw('\n');
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void number(JsonGenerator g, String name, Double value) throws IOException {
    if (value == null) {
      g.writeNullField(name);
    } else {
      g.writeNumberField(name, value.doubleValue());
    }
  }

  /** A table row: the jaccard column says which value it is (exact, estimated, or same text). */
  private static String textRow(Drop d) {
    String jaccard = "";
    String which = "";
    if (d.jaccard() != null) {
      jaccard = String.format(Locale.ROOT, "%.3f", d.jaccard());
      which = d.jaccardExact() != null ? "exact" : d.jaccardEstimated() != null ? "estimated" : "same text";
    }
    String last = d.relatedDocId() != null ? d.relatedDocId() : d.reason() == null ? "" : d.reason();
    return String.format(Locale.ROOT, TEXT_ROW, d.step(), d.kind(), jaccard, which,
        d.overlapNgrams() == null ? "" : String.valueOf(d.overlapNgrams()), d.docId(), last);
  }

  private static String summary(long total, Map<String, Long> byKind) {
    if (total == 0) {
      return "  none\n";
    }
    StringBuilder t = new StringBuilder(String.format(Locale.ROOT, "%n%,d document%s dropped: ", total,
        total == 1 ? "" : "s"));
    String sep = "";
    for (Map.Entry<String, Long> e : byKind.entrySet()) {
      t.append(sep).append(e.getKey()).append(' ').append(String.format(Locale.ROOT, "%,d", e.getValue()));
      sep = ", ";
    }
    return t.append('\n').toString();
  }
}
