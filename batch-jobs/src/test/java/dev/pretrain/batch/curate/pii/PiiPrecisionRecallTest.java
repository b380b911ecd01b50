package dev.pretrain.batch.curate.pii;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Precision and recall per kind on the labeled sample, over exact spans (a span found with the wrong
 * bounds counts as one false positive and one false negative). Prints the table; fails when a figure
 * drops below what was measured when the sample was built, less a small margin (docs/curation-pii.md).
 */
class PiiPrecisionRecallTest {

  /** Measured on the whole sample (dev + held-out + planted) when it was built. */
  private static final Map<PiiKind, double[]> MEASURED = Map.of(
      PiiKind.EMAIL, new double[] {1.000, 1.000},
      PiiKind.IPV4, new double[] {0.953, 1.000},
      PiiKind.IPV6, new double[] {1.000, 1.000},
      PiiKind.PHONE, new double[] {1.000, 0.907});
  private static final double MARGIN = 0.02;

  private static List<LabeledSample> samples;

  @BeforeAll
  static void load() {
    samples = LabeledSample.load();
  }

  @Test
  void sampleIsTheOneDescribedInTheDocs() {
    assertEquals(502, samples.size());
    Map<String, Integer> perSet = new TreeMap<>();
    samples.forEach(s -> perSet.merge(s.set(), 1, Integer::sum));
    assertEquals(Map.of("dev", 328, "heldout", 95, "planted", 79), perSet);
  }

  @Test
  void precisionAndRecallStayAtTheMeasuredLevel() {
    Map<PiiKind, int[]> all = count(samples);
    print("all", all);
    for (String set : List.of("dev", "heldout", "planted")) {
      print(set, count(samples.stream().filter(s -> s.set().equals(set)).toList()));
    }
    for (PiiKind kind : PiiKind.values()) {
      int[] c = all.get(kind);
      double[] measured = MEASURED.get(kind);
      assertTrue(precision(c) >= measured[0] - MARGIN, kind + " precision " + precision(c));
      assertTrue(recall(c) >= measured[1] - MARGIN, kind + " recall " + recall(c));
    }
  }

  /** Per kind: true positives, false positives, false negatives. */
  private static Map<PiiKind, int[]> count(List<LabeledSample> subset) {
    PiiRedactor redactor = PiiRedactor.standard();
    Map<PiiKind, int[]> counts = new EnumMap<>(PiiKind.class);
    for (PiiKind kind : PiiKind.values()) {
      counts.put(kind, new int[3]);
    }
    for (LabeledSample sample : subset) {
      Set<PiiSpan> gold = new HashSet<>(sample.spans());
      Set<PiiSpan> found = new HashSet<>(redactor.find(sample.text()));
      for (PiiSpan span : found) {
        counts.get(span.kind())[gold.contains(span) ? 0 : 1]++;
      }
      for (PiiSpan span : gold) {
        if (!found.contains(span)) {
          counts.get(span.kind())[2]++;
        }
      }
    }
    return counts;
  }

  private static double precision(int[] c) {
    return c[0] + c[1] == 0 ? 1.0 : (double) c[0] / (c[0] + c[1]);
  }

  private static double recall(int[] c) {
    return c[0] + c[2] == 0 ? 1.0 : (double) c[0] / (c[0] + c[2]);
  }

  private static void print(String set, Map<PiiKind, int[]> counts) {
    for (PiiKind kind : PiiKind.values()) {
      int[] c = counts.get(kind);
      System.out.printf("pii %-8s %-6s labeled %4d  tp %4d  fp %3d  fn %3d  precision %.3f  recall %.3f%n",
          set, kind, c[0] + c[2], c[0], c[1], c[2], precision(c), recall(c));
    }
  }
}
