package dev.pretrain.ops.report;

import dev.pretrain.db.curation.CurationRepository.Tally;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What became of every input record of a run, per source and reason: kept, quarantined, rejected,
 * filtered by a curation rule, removed as a duplicate. Counts are conserved per source:
 * {@code in = kept + quarantined + rejected + filtered + deduplicated}, where "in" is what ingest read
 * and "kept" is what dedup kept. Changes to kept documents (PII replaced, lines removed) and flags
 * (declared vs detected language) are listed beside, not counted as outcomes.
 *
 * @param tally the run's tally by step (CurationRepository#tally)
 */
public record CurationReport(String runId, Map<String, List<Tally>> tally) {

  /** Outcomes every input record ends in exactly one of, in the order they are shown. */
  public static final List<String> OUTCOMES = List.of("quarantined", "rejected", "filtered", "deduplicated");

  /**
   * One source's line: records in, what each reason took, what is left.
   *
   * @param ingestKept what ingest kept (what dedup read)
   * @param kept       what is left at the end: dedup's kept when dedup ran, else ingest's
   */
  public record SourceLine(String source, long in, Map<String, Long> removed, long ingestKept, long kept,
      Map<String, Long> changed, Map<String, Long> flagged) {

    /** in = kept + every removal; and what ingest kept is what dedup kept plus what it removed. */
    public boolean conserved() {
      long dedupRemoved = removed.entrySet().stream().filter(e -> e.getKey().startsWith("deduplicated:"))
          .mapToLong(Map.Entry::getValue).sum();
      return in == kept + removed.values().stream().mapToLong(Long::longValue).sum()
          && ingestKept == kept + dedupRemoved;
    }
  }

  public boolean isEmpty() {
    return tally.isEmpty();
  }

  /** Per source, sorted by name. "removed" keys are {@code outcome: reason}. */
  public List<SourceLine> lines() {
    Map<String, long[]> ingestIn = new TreeMap<>();
    Map<String, Map<String, Long>> removed = new TreeMap<>();
    Map<String, Map<String, Long>> changed = new TreeMap<>();
    Map<String, Map<String, Long>> flagged = new TreeMap<>();
    Map<String, long[]> ingestKept = new TreeMap<>();
    Map<String, long[]> dedupKept = new TreeMap<>();
    for (Tally t : tally.getOrDefault("ingest", List.of())) {
      switch (t.outcome()) {
        case "kept" -> {
          add(ingestIn, t.source(), t.n());
          add(ingestKept, t.source(), t.n());
        }
        case "changed" -> changed.computeIfAbsent(t.source(), s -> new TreeMap<>()).merge(t.reason(), t.n(), Long::sum);
        case "flagged" -> flagged.computeIfAbsent(t.source(), s -> new TreeMap<>()).merge(t.reason(), t.n(), Long::sum);
        default -> {
          add(ingestIn, t.source(), t.n());
          removed.computeIfAbsent(t.source(), s -> new TreeMap<>()).merge(t.outcome() + ": " + t.reason(), t.n(),
              Long::sum);
        }
      }
    }
    boolean deduped = tally.containsKey("dedup");
    for (Tally t : tally.getOrDefault("dedup", List.of())) {
      if (t.outcome().equals("kept")) {
        add(dedupKept, t.source(), t.n());
      } else {
        removed.computeIfAbsent(t.source(), s -> new TreeMap<>()).merge(t.outcome() + ": " + t.reason(), t.n(),
            Long::sum);
      }
    }
    Set<String> sources = new TreeSet<>(ingestIn.keySet());
    sources.addAll(removed.keySet());
    List<SourceLine> lines = new ArrayList<>();
    for (String s : sources) {
      long ik = ingestKept.getOrDefault(s, new long[1])[0];
      lines.add(new SourceLine(s, ingestIn.getOrDefault(s, new long[1])[0], removed.getOrDefault(s, Map.of()), ik,
          deduped ? dedupKept.getOrDefault(s, new long[1])[0] : ik, changed.getOrDefault(s, Map.of()),
          flagged.getOrDefault(s, Map.of())));
    }
    return lines;
  }

  /** True when every source's counts add up. */
  public boolean conserved() {
    return lines().stream().allMatch(SourceLine::conserved);
  }

  public String text() {
    List<SourceLine> lines = lines();
    StringBuilder b = new StringBuilder("Curation of run ").append(runId)
        .append(" (in = kept + quarantined + rejected + filtered + deduplicated, per source):\n");
    b.append(String.format(Locale.ROOT, "  %-22s %9s %9s %12s %9s %9s %13s%n", "source", "in", "kept", "quarantined",
        "rejected", "filtered", "deduplicated"));
    long[] total = new long[6];
    for (SourceLine l : lines) {
      long[] v = {l.in(), l.kept(), sum(l, "quarantined"), sum(l, "rejected"), sum(l, "filtered"),
          sum(l, "deduplicated")};
      b.append(String.format(Locale.ROOT, "  %-22s %9d %9d %12d %9d %9d %13d%s%n", clip(l.source(), 22), v[0], v[1],
          v[2], v[3], v[4], v[5], l.conserved() ? "" : "  NOT CONSERVED"));
      for (int i = 0; i < v.length; i++) {
        total[i] += v[i];
      }
    }
    b.append(String.format(Locale.ROOT, "  %-22s %9d %9d %12d %9d %9d %13d%n", "total", total[0], total[1], total[2],
        total[3], total[4], total[5]));
    b.append("By reason:\n");
    for (SourceLine l : lines) {
      for (Map.Entry<String, Long> e : l.removed().entrySet()) {
        b.append(String.format(Locale.ROOT, "  %-22s %-60s %9d%n", clip(l.source(), 22), clip(e.getKey(), 60),
            e.getValue()));
      }
    }
    boolean anyChange = lines.stream().anyMatch(l -> !l.changed().isEmpty() || !l.flagged().isEmpty());
    if (anyChange) {
      b.append("Kept documents changed or flagged (documents per rule):\n");
      for (SourceLine l : lines) {
        l.changed().forEach((rule, n) -> b.append(String.format(Locale.ROOT, "  %-22s %-60s %9d%n",
            clip(l.source(), 22), "changed: " + rule, n)));
        l.flagged().forEach((rule, n) -> b.append(String.format(Locale.ROOT, "  %-22s %-60s %9d%n",
            clip(l.source(), 22), "flagged: " + rule, n)));
      }
    }
    b.append(conserved() ? "Counts conserved for every source.\n" : "COUNTS NOT CONSERVED (see the lines marked)\n");
    b.append("Why a document was removed or changed: ./pretrain lineage DOC_ID\n");
    return b.toString();
  }

  public Map<String, Object> json() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("conserved", conserved());
    m.put("sources", lines());
    return m;
  }

  private static long sum(SourceLine l, String outcome) {
    return l.removed().entrySet().stream().filter(e -> e.getKey().startsWith(outcome + ":"))
        .mapToLong(Map.Entry::getValue).sum();
  }

  private static void add(Map<String, long[]> m, String k, long n) {
    m.computeIfAbsent(k, x -> new long[1])[0] += n;
  }

  private static String clip(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 1) + "~";
  }
}
