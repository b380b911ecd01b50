package dev.pretrain.ops.report;

import dev.pretrain.ops.report.AuditReport.ArtifactRow;
import dev.pretrain.ops.report.AuditReport.CountRow;
import dev.pretrain.ops.report.AuditReport.Edge;
import dev.pretrain.ops.report.AuditReport.FunnelRow;
import dev.pretrain.ops.report.AuditReport.LanguageRow;
import dev.pretrain.ops.report.AuditReport.LicenseRow;
import dev.pretrain.ops.report.AuditReport.ProcessingRow;
import dev.pretrain.ops.report.AuditReport.RunRow;
import dev.pretrain.ops.report.AuditReport.SourceRow;
import dev.pretrain.ops.report.AuditReport.StorageRow;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The audit report as one self-contained HTML page an auditor can read, print and file: a summary on
 * top, the lineage graph and the per-source data funnel as inline SVG pictures, then the tables. No
 * script, no external resource, so the file shows the same anywhere and archives as it is.
 */
public final class AuditHtml {

  private static final String[] OUTCOME_COLORS = {"#2e7d32", "#1565c0", "#ef6c00", "#c62828", "#757575"};
  private static final String[] OUTCOME_NAMES = {"kept", "deduplicated", "filtered", "rejected", "quarantined"};

  private AuditHtml() {}

  public static String render(AuditReport r) {
    StringBuilder h = new StringBuilder(64 * 1024);
    AuditReport.Summary s = r.summary();
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>Audit report: ")
        .append(esc(r.subject().uri())).append("</title>\n<style>\n").append(CSS).append("</style></head><body>\n");
    h.append("<header><h1>Training-data audit report</h1><p class=\"subject\">").append(esc(r.subject().kind()))
        .append(" <code>").append(esc(r.subject().uri())).append("</code></p><p class=\"meta\">SHA-256 <code>")
        .append(esc(r.subject().sha256())).append("</code> &middot; ").append(bytes(r.subject().sizeBytes()))
        .append(" &middot; run <code>").append(esc(r.subject().runId())).append("</code>")
        .append(r.subject().recipe() == null ? "" : " &middot; recipe <code>" + esc(r.subject().recipe()) + "</code>")
        .append(" &middot; generated ").append(esc(String.valueOf(r.generatedAt()))).append(" &middot; ")
        .append(esc(r.format())).append("</p></header>\n");

    h.append("<section class=\"summary\"><h2>Summary</h2><div class=\"cards\">");
    card(h, "documents read", num(s.documentsIn()), s.ingestRecordsIn() == null ? "by ingest"
        : "ingest step recorded " + num(s.ingestRecordsIn()));
    card(h, "kept for training", num(s.kept()), pct(s.kept(), s.documentsIn()) + " of documents read");
    card(h, "removed", num(s.documentsIn() - s.kept()), num(s.filtered()) + " filtered, " + num(s.deduplicated())
        + " duplicates" + (s.deduplicatedByKind().isEmpty() ? "" : " (" + byKind(s.deduplicatedByKind()) + ")") + ", "
        + num(s.rejected()) + " rejected, " + num(s.quarantined()) + " quarantined");
    card(h, "trained on", num(s.documentsTrained()) + " docs", num(s.tokensTrained()) + " distinct tokens");
    card(h, "sources", String.valueOf(s.sources()), plural(s.licenses().size(), "license") + ", "
        + plural(s.jurisdictions().size(), "jurisdiction"));
    card(h, "accounted for", s.conserved() ? "yes" : "NO", "read = kept + removed, per source");
    h.append("</div><table class=\"kv\">");
    if (!s.deduplicatedByKind().isEmpty()) {
      kv(h, "Duplicates removed, by kind", byKind(s.deduplicatedByKind()));
    }
    kv(h, "Licenses", String.join(", ", s.licenses()));
    kv(h, "Jurisdictions", String.join(", ", s.jurisdictions()));
    kv(h, "Languages", String.join(", ", s.languages()));
    kv(h, "Stored in regions", String.join(", ", s.storageRegions()));
    kv(h, "Processed in regions", String.join(", ", s.processingRegions()));
    if (r.integrity() != null) {
      kv(h, "Lineage root hash", "<code>" + esc(r.integrity().rootHash()) + "</code>"
          + (r.integrity().sealedAt() == null ? "" : " (sealed " + esc(r.integrity().sealedAt()) + ")"), true);
    }
    h.append("</table></section>\n");

    h.append("<section><h2>Lineage</h2><p>Every artifact behind the ").append(esc(r.subject().kind()))
        .append(", grouped by step and kind (boxes: count and size; arrows: made from).</p>\n");
    graph(h, r);
    h.append("</section>\n");

    h.append("<section><h2>Data funnel per source</h2><p>What became of every document read, per source; "
        + "bar length is documents read.</p>\n");
    funnelChart(h, r.funnel());
    h.append("<table><tr><th>source</th><th>read</th><th>kept</th><th>deduplicated</th><th>filtered</th>"
        + "<th>rejected</th><th>quarantined</th><th>trained on (docs)</th><th>tokens</th><th>accounted</th></tr>");
    for (FunnelRow f : r.funnel()) {
      h.append("<tr><td>").append(esc(f.source())).append("</td>");
      for (long v : new long[] {f.in(), f.kept(), f.deduplicated(), f.filtered(), f.rejected(), f.quarantined(),
          f.documentsTrained(), f.tokensTrained()}) {
        h.append("<td class=\"n\">").append(num(v)).append("</td>");
      }
      h.append("<td>").append(f.conserved() ? "yes" : "<b>no</b>").append("</td></tr>");
    }
    h.append("</table>\n<h3>Removed, by reason</h3><table><tr><th>source</th><th>outcome: reason</th>"
        + "<th>documents</th></tr>");
    for (FunnelRow f : r.funnel()) {
      for (Map.Entry<String, Long> e : f.removedByReason().entrySet()) {
        h.append("<tr><td>").append(esc(f.source())).append("</td><td>").append(esc(e.getKey()))
            .append("</td><td class=\"n\">").append(num(e.getValue())).append("</td></tr>");
      }
    }
    h.append("</table></section>\n");

    h.append("<section><h2>Sources</h2><table><tr><th>source</th><th>registry</th><th>package</th><th>version</th>"
        + "<th>checksum</th><th>license</th><th>jurisdiction</th><th>content</th><th>files</th><th>size</th></tr>");
    for (SourceRow x : r.sources()) {
      h.append("<tr><td>").append(esc(x.source())).append("</td><td>").append(esc(x.registry())).append("</td><td>")
          .append(esc(x.packageName())).append("</td><td>").append(esc(x.version())).append("</td><td><code>")
          .append(esc(x.checksumAlgo())).append(x.checksumAlgo() == null ? "" : " ").append(esc(x.checksum()))
          .append("</code></td><td>").append(esc(x.license())).append("</td><td>").append(esc(x.jurisdiction()))
          .append("</td><td>").append(esc(x.contentKind())).append("</td><td class=\"n\">").append(num(x.files()))
          .append("</td><td class=\"n\">").append(bytes(x.bytes())).append("</td></tr>");
    }
    h.append("</table></section>\n");

    h.append("<section class=\"cols\"><div><h2>Licenses of documents trained on</h2><table><tr><th>source</th>"
        + "<th>license</th><th>documents</th><th>tokens</th></tr>");
    for (LicenseRow x : r.licenses()) {
      h.append("<tr><td>").append(esc(x.source())).append("</td><td>").append(esc(x.license()))
          .append("</td><td class=\"n\">").append(num(x.documents())).append("</td><td class=\"n\">")
          .append(num(x.tokens())).append("</td></tr>");
    }
    h.append("</table></div><div><h2>Languages</h2><table><tr><th>declared</th><th>detected</th><th>documents</th>"
        + "<th>tokens</th></tr>");
    for (LanguageRow x : r.languages()) {
      h.append("<tr><td>").append(esc(x.declared())).append("</td><td>").append(esc(x.detected()))
          .append("</td><td class=\"n\">").append(num(x.documents())).append("</td><td class=\"n\">")
          .append(num(x.tokens())).append("</td></tr>");
    }
    h.append("</table><h2>Jurisdictions</h2><table><tr><th>jurisdiction</th><th>documents</th><th>tokens</th></tr>");
    for (CountRow x : r.jurisdictions()) {
      h.append("<tr><td>").append(esc(x.key())).append("</td><td class=\"n\">").append(num(x.documents()))
          .append("</td><td class=\"n\">").append(num(x.tokens())).append("</td></tr>");
    }
    h.append("</table></div></section>\n");

    h.append("<section><h2>Where the data was stored</h2><table><tr><th>step</th><th>bucket</th><th>endpoint</th>"
        + "<th>region</th><th>artifacts</th><th>size</th></tr>");
    for (StorageRow x : r.storage()) {
      h.append("<tr><td>").append(esc(x.step())).append("</td><td>").append(esc(x.bucket())).append("</td><td>")
          .append(esc(x.endpoint())).append("</td><td>").append(esc(x.region())).append("</td><td class=\"n\">")
          .append(num(x.artifacts())).append("</td><td class=\"n\">").append(bytes(x.bytes())).append("</td></tr>");
    }
    h.append("</table><h2>Where it was processed, and by which code</h2><table><tr><th>run</th><th>step</th>"
        + "<th>activity</th><th>code version</th><th>task queue</th><th>worker host</th><th>region</th>"
        + "<th>outcome</th><th>executions</th></tr>");
    for (ProcessingRow x : r.processing()) {
      h.append("<tr><td><code>").append(esc(x.runId())).append("</code></td><td>").append(esc(x.step()))
          .append("</td><td>").append(esc(x.activity())).append("</td><td>").append(esc(x.codeVersion()))
          .append("</td><td>").append(esc(x.taskQueue())).append("</td><td>").append(esc(x.workerHost()))
          .append("</td><td>").append(esc(x.workerRegion())).append("</td><td>").append(esc(x.outcome()))
          .append("</td><td class=\"n\">").append(num(x.executions())).append("</td></tr>");
    }
    h.append("</table></section>\n");

    h.append("<section><h2>Policy decisions</h2>");
    if (r.policyDecisions().isEmpty()) {
      h.append("<p>No sovereignty policy was in force for these runs: no placement was checked.</p>");
    } else {
      List<String> cols = new ArrayList<>(r.policyDecisions().get(0).keySet());
      h.append("<table><tr>");
      cols.forEach(c -> h.append("<th>").append(esc(c)).append("</th>"));
      h.append("</tr>");
      for (Map<String, Object> d : r.policyDecisions()) {
        h.append("<tr>");
        cols.forEach(c -> h.append("<td>").append(esc(String.valueOf(d.get(c)))).append("</td>"));
        h.append("</tr>");
      }
      h.append("</table>");
    }
    h.append("</section>\n");

    h.append("<section><h2>Runs and their parameters</h2>");
    for (RunRow x : r.runs()) {
      h.append("<h3>run <code>").append(esc(x.runId())).append("</code> &middot; ").append(esc(x.recipe()))
          .append(" &middot; ").append(esc(x.status())).append(" &middot; ").append(esc(String.valueOf(x.startedAt())))
          .append(" to ").append(esc(String.valueOf(x.finishedAt()))).append("</h3><pre>")
          .append(esc(x.request() == null ? "" : x.request().toPrettyString())).append("</pre>");
    }
    h.append("</section>\n");

    h.append("<section><h2>Artifacts (").append(r.artifacts().size()).append(")</h2><table class=\"small\"><tr>"
        + "<th>artifact</th><th>kind</th><th>step</th><th>run</th><th>SHA-256</th><th>size</th></tr>");
    for (ArtifactRow x : r.artifacts()) {
      h.append("<tr><td><code>").append(esc(x.uri())).append("</code></td><td>").append(esc(x.kind()))
          .append("</td><td>").append(esc(x.step())).append("</td><td><code>").append(esc(x.runId()))
          .append("</code></td><td><code>").append(esc(x.sha256())).append("</code></td><td class=\"n\">")
          .append(bytes(x.sizeBytes())).append("</td></tr>");
    }
    h.append("</table></section>\n");
    if (r.integrity() != null) {
      h.append("<section><h2>Tamper evidence</h2><p>Run <code>").append(esc(r.integrity().runId()))
          .append("</code>: root hash <code>").append(esc(r.integrity().rootHash())).append("</code>. ")
          .append(esc(r.integrity().note())).append("</p></section>\n");
    }
    h.append("<footer>Generated by Pretrain Pipeline from its lineage database. Check it with "
        + "<code>./pretrain audit verify ").append(esc(r.subject().runId())).append("</code>.</footer>\n");
    h.append("</body></html>\n");
    return h.toString();
  }

  /** Artifacts grouped by (step, kind), laid out left to right by their longest distance from the corpus. */
  private static void graph(StringBuilder h, AuditReport r) {
    Map<String, String> groupOf = new HashMap<>();
    Map<String, long[]> groups = new LinkedHashMap<>();
    for (ArtifactRow a : r.artifacts()) {
      String g = (a.step() == null ? "corpus" : a.step()) + "\n" + a.kind();
      groupOf.put(a.uri(), g);
      long[] v = groups.computeIfAbsent(g, k -> new long[2]);
      v[0]++;
      v[1] += a.sizeBytes();
    }
    Map<String, java.util.Set<String>> inputsOf = new TreeMap<>();
    for (Edge e : r.graph()) {
      String to = groupOf.get(e.artifact());
      String from = groupOf.get(e.input());
      if (to != null && from != null && !to.equals(from)) {
        inputsOf.computeIfAbsent(to, k -> new java.util.TreeSet<>()).add(from);
      }
    }
    Map<String, Integer> column = new HashMap<>();
    for (String g : groups.keySet()) {
      depth(g, inputsOf, column, 0);
    }
    int columns = column.values().stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
    Map<Integer, List<String>> byColumn = new TreeMap<>();
    groups.keySet().stream().sorted().forEach(g -> byColumn.computeIfAbsent(column.get(g), c -> new ArrayList<>()).add(g));
    int rows = byColumn.values().stream().mapToInt(List::size).max().orElse(1);
    int boxW = 150;
    int boxH = 54;
    int gapX = 46;
    int gapY = 18;
    int width = columns * (boxW + gapX) + 10;
    int height = rows * (boxH + gapY) + 10;
    Map<String, int[]> at = new HashMap<>();
    byColumn.forEach((c, list) -> {
      int top = (height - list.size() * (boxH + gapY)) / 2;
      for (int i = 0; i < list.size(); i++) {
        at.put(list.get(i), new int[] {5 + c * (boxW + gapX), top + i * (boxH + gapY) + gapY / 2});
      }
    });
    h.append("<svg class=\"graph\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"")
        .append(height).append("\" viewBox=\"0 0 ").append(width).append(' ').append(height).append("\">")
        .append("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
            + "markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555\"/></marker></defs>");
    inputsOf.forEach((to, froms) -> {
      for (String from : froms) {
        int[] a = at.get(from);
        int[] b = at.get(to);
        int x1 = a[0] + boxW;
        int y1 = a[1] + boxH / 2;
        int x2 = b[0];
        int y2 = b[1] + boxH / 2;
        int mid = (x1 + x2) / 2;
        h.append("<path d=\"M").append(x1).append(',').append(y1).append(" C").append(mid).append(',').append(y1)
            .append(' ').append(mid).append(',').append(y2).append(' ').append(x2).append(',').append(y2)
            .append("\" fill=\"none\" stroke=\"#555\" stroke-width=\"1.3\" marker-end=\"url(#arrow)\"/>");
      }
    });
    String subjectGroup = groupOf.get(r.subject().uri());
    groups.forEach((g, v) -> {
      int[] p = at.get(g);
      String[] parts = g.split("\n");
      boolean subject = g.equals(subjectGroup);
      h.append("<g><rect x=\"").append(p[0]).append("\" y=\"").append(p[1]).append("\" width=\"").append(boxW)
          .append("\" height=\"").append(boxH).append("\" rx=\"6\" fill=\"").append(subject ? "#fff3e0" : "#e3f2fd")
          .append("\" stroke=\"").append(subject ? "#ef6c00" : "#1565c0").append("\"/>")
          .append(text(p[0] + boxW / 2, p[1] + 17, parts[0], "b"))
          .append(text(p[0] + boxW / 2, p[1] + 32, parts[1], ""))
          .append(text(p[0] + boxW / 2, p[1] + 47, num(v[0]) + (v[0] == 1 ? " object, " : " objects, ")
              + bytes(v[1]), "s"))
          .append("</g>");
    });
    h.append("</svg>\n");
  }

  private static int depth(String g, Map<String, java.util.Set<String>> inputsOf, Map<String, Integer> memo, int guard) {
    Integer known = memo.get(g);
    if (known != null) {
      return known;
    }
    int d = 0;
    if (guard < 64) {
      for (String in : inputsOf.getOrDefault(g, java.util.Set.of())) {
        d = Math.max(d, depth(in, inputsOf, memo, guard + 1) + 1);
      }
    }
    memo.put(g, d);
    return d;
  }

  /** One stacked bar per source: kept, deduplicated, filtered, rejected, quarantined. */
  private static void funnelChart(StringBuilder h, List<FunnelRow> funnel) {
    long max = Math.max(1, funnel.stream().mapToLong(FunnelRow::in).max().orElse(1));
    int label = 170;
    int barW = 560;
    int rowH = 22;
    int height = funnel.size() * rowH + 34;
    h.append("<svg class=\"funnel\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(label + barW + 120)
        .append("\" height=\"").append(height).append("\">");
    for (int i = 0; i < OUTCOME_NAMES.length; i++) {
      int x = label + i * 110;
      h.append("<rect x=\"").append(x).append("\" y=\"4\" width=\"12\" height=\"12\" fill=\"").append(OUTCOME_COLORS[i])
          .append("\"/>").append(textLeft(x + 16, 14, OUTCOME_NAMES[i]));
    }
    int y = 26;
    for (FunnelRow f : funnel) {
      h.append(textRight(label - 8, y + 14, f.source()));
      long[] parts = {f.kept(), f.deduplicated(), f.filtered(), f.rejected(), f.quarantined()};
      double x = label;
      for (int i = 0; i < parts.length; i++) {
        double w = (double) parts[i] / max * barW;
        if (w > 0) {
          h.append("<rect x=\"").append(fmt(x)).append("\" y=\"").append(y + 2).append("\" width=\"")
              .append(fmt(Math.max(w, 0.8))).append("\" height=\"").append(rowH - 6).append("\" fill=\"")
              .append(OUTCOME_COLORS[i]).append("\"><title>").append(esc(f.source())).append(": ").append(num(parts[i]))
              .append(' ').append(OUTCOME_NAMES[i]).append("</title></rect>");
        }
        x += w;
      }
      h.append(textLeft((int) x + 6, y + 14, num(f.kept()) + " / " + num(f.in())));
      y += rowH;
    }
    h.append("</svg>\n");
  }

  private static String text(int x, int y, String s, String cls) {
    return "<text x=\"" + x + "\" y=\"" + y + "\" text-anchor=\"middle\"" + (cls.isEmpty() ? "" : " class=\"" + cls + "\"")
        + ">" + esc(s) + "</text>";
  }

  private static String textLeft(int x, int y, String s) {
    return "<text x=\"" + x + "\" y=\"" + y + "\">" + esc(s) + "</text>";
  }

  private static String textRight(int x, int y, String s) {
    return "<text x=\"" + x + "\" y=\"" + y + "\" text-anchor=\"end\">" + esc(s) + "</text>";
  }

  private static void card(StringBuilder h, String title, String value, String note) {
    h.append("<div class=\"card\"><div class=\"t\">").append(esc(title)).append("</div><div class=\"v\">")
        .append(esc(value)).append("</div><div class=\"d\">").append(esc(note)).append("</div></div>");
  }

  private static void kv(StringBuilder h, String k, String v) {
    kv(h, k, esc(v), true);
  }

  private static void kv(StringBuilder h, String k, String html, boolean raw) {
    h.append("<tr><th>").append(esc(k)).append("</th><td>").append(html).append("</td></tr>");
  }

  static String esc(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  private static String plural(long n, String word) {
    return num(n) + " " + word + (n == 1 ? "" : "s");
  }

  /** "1,234 exact, 56 fuzzy, 7 contaminated": dedup kinds in the report's order (text: the caller escapes it). */
  private static String byKind(Map<String, Long> counts) {
    List<String> parts = new ArrayList<>();
    counts.forEach((kind, n) -> parts.add(num(n) + " " + kind));
    return String.join(", ", parts);
  }

  private static String num(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  private static String fmt(double d) {
    return String.format(Locale.ROOT, "%.1f", d);
  }

  private static String pct(long a, long b) {
    return b == 0 ? "0 %" : String.format(Locale.ROOT, "%.1f %%", 100.0 * a / b);
  }

  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  private static final String CSS = """
      body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;margin:24px auto;max-width:1180px;padding:0 16px}
      header{border-bottom:3px solid #1565c0;margin-bottom:12px}
      h1{margin:0 0 4px;font-size:24px}h2{font-size:18px;margin:22px 0 8px;border-bottom:1px solid #ddd}h3{font-size:14px;margin:14px 0 4px}
      .subject{margin:0;font-size:15px}.meta{color:#555;margin:4px 0 10px;font-size:12px}
      code{font:12px ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
      .cards{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0 12px}
      .card{border:1px solid #cfd8dc;border-radius:8px;padding:8px 12px;min-width:150px;flex:1;background:#fafcfd}
      .card .t{color:#546e7a;font-size:12px;text-transform:uppercase;letter-spacing:.03em}.card .v{font-size:22px;font-weight:600}
      .card .d{color:#555;font-size:12px}
      table{border-collapse:collapse;margin:6px 0 10px;width:100%}th,td{border:1px solid #e0e0e0;padding:3px 7px;text-align:left;vertical-align:top}
      th{background:#f3f6f8;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
      table.kv th{width:190px}table.small td{font-size:12px}
      .cols{display:grid;grid-template-columns:1fr 1fr;gap:20px}
      svg text{font:12px system-ui,sans-serif;fill:#222}svg text.b{font-weight:600}svg text.s{font-size:11px;fill:#555}
      svg.graph{max-width:100%;height:auto}
      pre{background:#f7f7f7;border:1px solid #e5e5e5;padding:6px 8px;font-size:11px;overflow:auto;max-height:260px}
      footer{color:#666;font-size:12px;margin-top:24px;border-top:1px solid #ddd;padding-top:8px}
      @media print{pre{max-height:none}section{break-inside:avoid-page}}
      """;
}
