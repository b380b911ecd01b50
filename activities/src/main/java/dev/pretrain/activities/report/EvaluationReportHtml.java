package dev.pretrain.activities.report;

import static dev.pretrain.activities.report.ReportFormat.label;
import static dev.pretrain.activities.report.ReportFormat.bySource;
import static dev.pretrain.activities.report.ReportFormat.bytes;
import static dev.pretrain.activities.report.ReportFormat.count;
import static dev.pretrain.activities.report.ReportFormat.decimal;
import static dev.pretrain.activities.report.ReportFormat.get;
import static dev.pretrain.activities.report.ReportFormat.number;
import static dev.pretrain.activities.report.ReportFormat.objects;
import static dev.pretrain.activities.report.ReportFormat.present;
import static dev.pretrain.activities.report.ReportFormat.signed;
import static dev.pretrain.activities.report.ReportFormat.text;
import static dev.pretrain.activities.report.ReportFormat.textOr;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders an evaluation report (the evaluation step's JSON) as one self-contained HTML5 page: inline CSS, inline SVG
 * charts, no JavaScript and nothing loaded from elsewhere, so the file can be archived next to the run and opened
 * offline by whoever audits it.
 *
 * <p>The page has a summary of the model and its training, the training loss curve, the evaluations table, bits per
 * byte per source (table and grouped bar chart), the per-source change in bits per byte of each quantized model
 * against the fp32 reference, and the sample continuations. Any field may be missing: what is there is shown. All text
 * taken from the JSON is HTML-escaped.
 */
public final class EvaluationReportHtml {

  private static final String[] PALETTE = {
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"
  };

  private static final String CSS =
      """
      body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;background:#fff;\
      max-width:1080px;margin:2em auto;padding:0 1em;line-height:1.45}
      h1{font-size:1.6em;margin-bottom:.2em}
      h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}
      .sub{color:#666;margin-top:0}
      table{border-collapse:collapse;margin:.6em 0;font-size:.92em}
      th,td{border:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top}
      thead th{background:#f3f4f6}tbody tr:nth-child(even){background:#fafafa}
      td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
      dl.summary{display:grid;grid-template-columns:max-content auto;gap:.2em 1.2em}
      dl.summary dt{color:#555}dl.summary dd{margin:0}
      code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
      pre{background:#f6f8fa;border:1px solid #e3e6ea;padding:.6em;white-space:pre-wrap;word-break:break-word}
      figure{margin:1em 0}figcaption{color:#555;font-size:.9em}
      svg{max-width:100%;height:auto;font-family:inherit}
      svg text{font-size:11px;fill:#333}svg .grid{stroke:#e5e7eb}svg .axis{stroke:#555}
      svg .loss{fill:none;stroke:#4e79a7;stroke-width:1.2}svg .loss-avg{fill:none;stroke:#e15759;stroke-width:2}
      ul.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:1em;font-size:.9em}
      .swatch{display:inline-block;width:.9em;height:.9em;margin-right:.35em;vertical-align:-.1em;border-radius:2px}
      .sample{margin:1em 0}.sample .meta{color:#666;font-size:.9em;margin:.2em 0}
      .ref{color:#666;font-size:.85em}
      .scroll{overflow-x:auto}table.evaluations td:first-child{white-space:nowrap}
      """;

  /** Chart geometry, in SVG user units. */
  private static final int WIDTH = 760;
  private static final int LOSS_HEIGHT = 320;
  private static final int MARGIN_LEFT = 64;
  private static final int MARGIN_RIGHT = 24;
  private static final int MARGIN_TOP = 16;
  private static final int MARGIN_BOTTOM = 44;
  private static final int BAR_LABEL_WIDTH = 170;
  private static final int BAR_HEIGHT = 14;
  private static final int GROUP_GAP = 12;

  private EvaluationReportHtml() {}

  /** The page for one report; never throws on missing or null fields, also not for a null report. */
  public static String render(JsonNode report) {
    String runId = text(report, "runId");
    String title = runId == null ? "Evaluation report" : "Evaluation report — " + runId;
    List<JsonNode> evaluations = objects(report, "evaluations");
    List<Source> sources = sources(report, evaluations);

    StringBuilder out = new StringBuilder(32_768);
    out.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        .append("<title>").append(esc(title)).append("</title>\n")
        .append("<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
    out.append("<h1>").append(esc(title)).append("</h1>\n");
    subtitle(out, report);
    summary(out, report);
    sets(out, objects(report, "sets"));
    lossCurve(out, objects(get(report, "training"), "lossCurve"));
    evaluationsTable(out, evaluations);
    perSourceTable(out, sources, evaluations);
    perSourceChart(out, sources, evaluations);
    deltaTable(out, sources, evaluations);
    samples(out, objects(report, "samples"));
    out.append("</body>\n</html>\n");
    return out.toString();
  }

  // ---------------------------------------------------------------- sections

  private static void subtitle(StringBuilder out, JsonNode report) {
    List<String> parts = new ArrayList<>();
    String recipe = text(report, "recipe");
    String createdAt = text(report, "createdAt");
    if (recipe != null) {
      parts.add("recipe " + recipe);
    }
    if (createdAt != null) {
      parts.add("created " + createdAt);
    }
    if (!parts.isEmpty()) {
      out.append("<p class=\"sub\">").append(esc(String.join(" · ", parts))).append("</p>\n");
    }
  }

  private static void summary(StringBuilder out, JsonNode report) {
    JsonNode model = get(report, "model");
    JsonNode tokenizer = get(report, "tokenizer");
    JsonNode training = get(report, "training");
    Map<String, String> rows = new LinkedHashMap<>();
    putIfPresent(rows, "Model", text(model, "uri"));
    if (present(get(model, "parameters"))) {
      rows.put("Parameters", count(get(model, "parameters")));
    }
    String shape = shape(model);
    if (!shape.isEmpty()) {
      rows.put("Shape", shape);
    }
    List<String> tok = new ArrayList<>();
    if (text(tokenizer, "uri") != null) {
      tok.add(text(tokenizer, "uri"));
    }
    if (present(get(tokenizer, "vocabSize"))) {
      tok.add("vocabulary " + count(get(tokenizer, "vocabSize")));
    }
    if (!tok.isEmpty()) {
      rows.put("Tokenizer", String.join(" · ", tok));
    }
    if (present(get(training, "steps"))) {
      rows.put("Training steps", count(get(training, "steps")));
    }
    if (present(get(training, "tokensSeen"))) {
      rows.put("Tokens seen", count(get(training, "tokensSeen")));
    }
    if (rows.isEmpty()) {
      return;
    }
    out.append("<h2>Summary</h2>\n<dl class=\"summary\">\n");
    rows.forEach((k, v) -> out.append("<dt>").append(esc(k)).append("</dt><dd>").append(esc(v)).append("</dd>\n"));
    out.append("</dl>\n");
  }

  private static String shape(JsonNode model) {
    String[][] fields = {
      {"dModel", "d_model "}, {"layers", "layers "}, {"heads", "heads "}, {"ffnHidden", "FFN hidden "},
      {"contextLength", "context "}, {"vocabSize", "vocabulary "}
    };
    List<String> parts = new ArrayList<>();
    for (String[] field : fields) {
      JsonNode value = get(model, field[0]);
      if (present(value)) {
        parts.add(field[1] + count(value));
      }
    }
    return String.join(" · ", parts);
  }

  private static void sets(StringBuilder out, List<JsonNode> sets) {
    if (sets.isEmpty()) {
      return;
    }
    out.append("<h2>Evaluation sets</h2>\n")
        .append("<div class=\"scroll\"><table class=\"sets\">\n<thead><tr><th>Source</th><th>Role</th>")
        .append("<th class=\"num\">Documents</th><th class=\"num\">Tokens</th><th class=\"num\">Bytes</th>")
        .append("</tr></thead>\n<tbody>\n");
    for (JsonNode set : sets) {
      out.append("<tr>");
      cell(out, textOr(set, "source", ReportFormat.NONE));
      cell(out, textOr(set, "role", ReportFormat.NONE));
      num(out, count(get(set, "documents")));
      num(out, count(get(set, "tokens")));
      num(out, count(get(set, "bytes")));
      out.append("</tr>\n");
    }
    out.append("</tbody>\n</table></div>\n");
  }

  private static void lossCurve(StringBuilder out, List<JsonNode> curve) {
    out.append("<h2>Training loss</h2>\n");
    List<double[]> points = new ArrayList<>();
    for (int i = 0; i < curve.size(); i++) {
      double step = number(curve.get(i), "step");
      double loss = number(curve.get(i), "loss");
      if (Double.isFinite(loss)) {
        points.add(new double[] {Double.isFinite(step) ? step : i + 1, loss});
      }
    }
    if (points.isEmpty()) {
      out.append("<p>No training loss curve in this report.</p>\n");
      return;
    }
    double minX = Double.POSITIVE_INFINITY, maxX = Double.NEGATIVE_INFINITY;
    double minY = Double.POSITIVE_INFINITY, maxY = Double.NEGATIVE_INFINITY;
    for (double[] p : points) {
      minX = Math.min(minX, p[0]);
      maxX = Math.max(maxX, p[0]);
      minY = Math.min(minY, p[1]);
      maxY = Math.max(maxY, p[1]);
    }
    Axis x = Axis.nice(minX, maxX, 8);
    Axis y = Axis.nice(minY, maxY, 6);
    int plotW = WIDTH - MARGIN_LEFT - MARGIN_RIGHT;
    int plotH = LOSS_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM;
    int bottom = MARGIN_TOP + plotH;

    out.append("<figure>\n<svg class=\"loss-chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ")
        .append(WIDTH).append(' ').append(LOSS_HEIGHT).append("\" width=\"").append(WIDTH).append("\" height=\"")
        .append(LOSS_HEIGHT).append("\" role=\"img\" aria-label=\"Training loss by step\">\n");
    for (double v : y.ticks()) {
      double py = bottom - y.fraction(v) * plotH;
      line(out, "grid", MARGIN_LEFT, py, MARGIN_LEFT + plotW, py);
      svgText(out, MARGIN_LEFT - 6, py + 4, "end", y.label(v));
    }
    for (double v : x.ticks()) {
      double px = MARGIN_LEFT + x.fraction(v) * plotW;
      line(out, "grid", px, MARGIN_TOP, px, bottom);
      svgText(out, px, bottom + 16, "middle", x.label(v));
    }
    line(out, "axis", MARGIN_LEFT, bottom, MARGIN_LEFT + plotW, bottom);
    line(out, "axis", MARGIN_LEFT, MARGIN_TOP, MARGIN_LEFT, bottom);
    svgText(out, MARGIN_LEFT + plotW / 2.0, LOSS_HEIGHT - 6, "middle", "step");
    out.append(String.format(Locale.ROOT,
        "<text x=\"14\" y=\"%.1f\" text-anchor=\"middle\" transform=\"rotate(-90 14 %.1f)\">loss</text>\n",
        MARGIN_TOP + plotH / 2.0, MARGIN_TOP + plotH / 2.0));

    out.append("<polyline class=\"loss\" points=\"");
    appendPoints(out, points, x, y, plotW, plotH);
    out.append("\"/>\n");
    int window = movingAverageWindow(points.size());
    if (window > 1) {
      out.append("<polyline class=\"loss-avg\" points=\"");
      appendPoints(out, movingAverage(points, window), x, y, plotW, plotH);
      out.append("\"/>\n");
    }
    out.append("</svg>\n<figcaption>");
    StringBuilder caption = new StringBuilder();
    caption.append(points.size()).append(points.size() == 1 ? " point" : " points")
        .append(String.format(Locale.ROOT, "; loss %.4f at step %s, %.4f at step %s",
            points.get(0)[1], x.label(points.get(0)[0]), points.get(points.size() - 1)[1],
            x.label(points.get(points.size() - 1)[0])));
    if (window > 1) {
      caption.append("; thick line: centred moving average over ").append(window).append(" points");
    }
    out.append(esc(caption.toString())).append(".</figcaption>\n</figure>\n");
  }

  private static int movingAverageWindow(int points) {
    return points < 30 ? 1 : Math.max(5, points / 25) | 1; // odd, so the window is centred
  }

  private static List<double[]> movingAverage(List<double[]> points, int window) {
    int half = window / 2;
    List<double[]> result = new ArrayList<>(points.size());
    for (int i = 0; i < points.size(); i++) {
      int from = Math.max(0, i - half);
      int to = Math.min(points.size() - 1, i + half);
      double sum = 0;
      for (int j = from; j <= to; j++) {
        sum += points.get(j)[1];
      }
      result.add(new double[] {points.get(i)[0], sum / (to - from + 1)});
    }
    return result;
  }

  private static void appendPoints(StringBuilder out, List<double[]> points, Axis x, Axis y, int plotW, int plotH) {
    for (int i = 0; i < points.size(); i++) {
      double px = MARGIN_LEFT + x.fraction(points.get(i)[0]) * plotW;
      double py = MARGIN_TOP + plotH - y.fraction(points.get(i)[1]) * plotH;
      out.append(i == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.1f,%.1f", px, py));
    }
  }

  private static void evaluationsTable(StringBuilder out, List<JsonNode> evaluations) {
    if (evaluations.isEmpty()) {
      return;
    }
    int reference = referenceIndex(evaluations);
    out.append("<h2>Evaluations</h2>\n")
        .append("<div class=\"scroll\"><table class=\"evaluations\">\n<thead><tr><th>Label</th><th>Format</th>")
        .append("<th>Type</th><th class=\"num\">File size</th><th class=\"num\">Loss</th>")
        .append("<th class=\"num\">Perplexity</th><th class=\"num\">Bits/byte</th><th class=\"num\">Δ loss</th>")
        .append("<th class=\"num\">Δ bits/byte</th><th class=\"num\">Tokens</th></tr></thead>\n<tbody>\n");
    for (int i = 0; i < evaluations.size(); i++) {
      JsonNode e = evaluations.get(i);
      out.append("<tr><td>").append(esc(label(e, i)));
      if (i == reference) {
        out.append(" <span class=\"ref\">(reference)</span>");
      }
      out.append("</td>");
      cell(out, textOr(e, "format", ReportFormat.NONE));
      cell(out, textOr(e, "type", ReportFormat.NONE));
      JsonNode fileBytes = get(e, "fileBytes");
      num(out, present(fileBytes) ? bytes(fileBytes) + " (" + count(fileBytes) + " B)" : ReportFormat.NONE);
      num(out, decimal(get(e, "loss"), 4));
      num(out, decimal(get(e, "perplexity"), 2));
      num(out, decimal(get(e, "bitsPerByte"), 4));
      num(out, signed(get(e, "deltaLoss"), 4));
      num(out, signed(get(e, "deltaBitsPerByte"), 4));
      num(out, count(get(e, "tokens")));
      out.append("</tr>\n");
    }
    out.append("</tbody>\n</table></div>\n");
    if (reference >= 0) {
      out.append("<p class=\"ref\">Deltas are against ").append(esc(label(evaluations.get(reference), reference)))
          .append("; a positive delta means the model compresses the text less well.</p>\n");
    }
  }

  private static void perSourceTable(StringBuilder out, List<Source> sources, List<JsonNode> evaluations) {
    if (sources.isEmpty() || evaluations.isEmpty()) {
      return;
    }
    out.append("<h2>Bits per byte by source</h2>\n")
        .append("<div class=\"scroll\"><table class=\"by-source\">\n<thead><tr><th>Source</th>")
        .append("<th>Role</th>");
    for (int i = 0; i < evaluations.size(); i++) {
      out.append("<th class=\"num\">").append(esc(label(evaluations.get(i), i))).append("</th>");
    }
    out.append("</tr></thead>\n<tbody>\n");
    for (Source source : sources) {
      out.append("<tr>");
      cell(out, source.name());
      cell(out, source.role() == null ? ReportFormat.NONE : source.role());
      for (JsonNode e : evaluations) {
        num(out, decimal(get(bySource(e, source.name()), "bitsPerByte"), 4));
      }
      out.append("</tr>\n");
    }
    out.append("</tbody>\n</table></div>\n");
  }

  private static void perSourceChart(StringBuilder out, List<Source> sources, List<JsonNode> evaluations) {
    List<Integer> charted = new ArrayList<>();
    double max = 0;
    for (int i = 0; i < evaluations.size(); i++) {
      if (isInitial(evaluations.get(i), i)) {
        continue;
      }
      boolean any = false;
      for (Source source : sources) {
        double bpb = number(bySource(evaluations.get(i), source.name()), "bitsPerByte");
        if (Double.isFinite(bpb) && bpb >= 0) {
          any = true;
          max = Math.max(max, bpb);
        }
      }
      if (any) {
        charted.add(i);
      }
    }
    if (charted.isEmpty()) {
      return;
    }
    Axis x = Axis.nice(0, max, 6);
    int plotW = WIDTH - BAR_LABEL_WIDTH - MARGIN_RIGHT;
    int groupH = charted.size() * BAR_HEIGHT + GROUP_GAP;
    int plotH = sources.size() * groupH;
    int bottom = MARGIN_TOP + plotH;
    int height = bottom + MARGIN_BOTTOM;

    out.append("<figure>\n<svg class=\"bpb-chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ")
        .append(WIDTH).append(' ').append(height).append("\" width=\"").append(WIDTH).append("\" height=\"")
        .append(height).append("\" role=\"img\" aria-label=\"Bits per byte by source and model\">\n");
    for (double v : x.ticks()) {
      double px = BAR_LABEL_WIDTH + x.fraction(v) * plotW;
      line(out, "grid", px, MARGIN_TOP, px, bottom);
      svgText(out, px, bottom + 16, "middle", x.label(v));
    }
    for (int s = 0; s < sources.size(); s++) {
      Source source = sources.get(s);
      double groupTop = MARGIN_TOP + s * groupH + GROUP_GAP / 2.0;
      svgText(out, BAR_LABEL_WIDTH - 8, groupTop + charted.size() * BAR_HEIGHT / 2.0 + 4, "end",
          abbreviate(source.name(), 26));
      for (int b = 0; b < charted.size(); b++) {
        int index = charted.get(b);
        JsonNode e = evaluations.get(index);
        double bpb = number(bySource(e, source.name()), "bitsPerByte");
        if (!Double.isFinite(bpb) || bpb < 0) {
          continue;
        }
        double y = groupTop + b * BAR_HEIGHT;
        double w = x.fraction(bpb) * plotW;
        out.append(String.format(Locale.ROOT,
                "<rect class=\"bar\" x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"%s\">",
                BAR_LABEL_WIDTH, y + 1, w, BAR_HEIGHT - 2, color(b)))
            .append("<title>")
            .append(esc(source.name() + " · " + label(e, index) + ": "
                + String.format(Locale.ROOT, "%.4f", bpb) + " bits/byte"))
            .append("</title></rect>\n");
        svgText(out, BAR_LABEL_WIDTH + w + 4, y + BAR_HEIGHT - 3, "start", String.format(Locale.ROOT, "%.4f", bpb));
      }
    }
    line(out, "axis", BAR_LABEL_WIDTH, MARGIN_TOP, BAR_LABEL_WIDTH, bottom);
    line(out, "axis", BAR_LABEL_WIDTH, bottom, BAR_LABEL_WIDTH + plotW, bottom);
    svgText(out, BAR_LABEL_WIDTH + plotW / 2.0, height - 6, "middle", "bits per byte (lower is better)");
    out.append("</svg>\n<figcaption><ul class=\"legend\">\n");
    for (int b = 0; b < charted.size(); b++) {
      out.append("<li><span class=\"swatch\" style=\"background:").append(color(b)).append("\"></span>")
          .append(esc(label(evaluations.get(charted.get(b)), charted.get(b)))).append("</li>\n");
    }
    out.append("</ul>The untrained model is left out of the chart (it would dwarf the others); it is in the table.")
        .append("</figcaption>\n</figure>\n");
  }

  private static void deltaTable(StringBuilder out, List<Source> sources, List<JsonNode> evaluations) {
    int reference = referenceIndex(evaluations);
    List<Integer> quantized = new ArrayList<>();
    for (int i = 0; i < evaluations.size(); i++) {
      if (i != reference && !isInitial(evaluations.get(i), i)) {
        quantized.add(i);
      }
    }
    if (reference < 0 || quantized.isEmpty() || sources.isEmpty()) {
      return;
    }
    out.append("<h2>Change in bits per byte against ").append(esc(label(evaluations.get(reference), reference)))
        .append("</h2>\n<div class=\"scroll\"><table class=\"deltas\">\n<thead><tr><th>Source</th><th>Role</th>");
    for (int i : quantized) {
      JsonNode e = evaluations.get(i);
      String type = text(e, "type");
      out.append("<th class=\"num\">").append(esc(type == null ? label(e, i) : type + " (" + label(e, i) + ")"))
          .append("</th>");
    }
    out.append("</tr></thead>\n<tbody>\n");
    for (Source source : sources) {
      out.append("<tr>");
      cell(out, source.name());
      cell(out, source.role() == null ? ReportFormat.NONE : source.role());
      for (int i : quantized) {
        num(out, signed(get(bySource(evaluations.get(i), source.name()), "deltaBitsPerByte"), 4));
      }
      out.append("</tr>\n");
    }
    out.append("</tbody>\n<tfoot><tr><th colspan=\"2\">All sources</th>");
    for (int i : quantized) {
      num(out, signed(get(evaluations.get(i), "deltaBitsPerByte"), 4));
    }
    out.append("</tr></tfoot>\n</table></div>\n");
  }

  private static void samples(StringBuilder out, List<JsonNode> samples) {
    if (samples.isEmpty()) {
      return;
    }
    out.append("<h2>Samples</h2>\n");
    for (JsonNode sample : samples) {
      List<String> meta = new ArrayList<>();
      meta.add(textOr(sample, "mode", "mode not recorded"));
      addMeta(meta, "top-k", sample, "topK", false);
      addMeta(meta, "temperature", sample, "temperature", true);
      addMeta(meta, "seed", sample, "seed", false);
      addMeta(meta, "max tokens", sample, "maxTokens", false);
      out.append("<div class=\"sample\">\n<p class=\"prompt\"><strong>")
          .append(esc(textOr(sample, "prompt", "")))
          .append("</strong></p>\n<p class=\"meta\">").append(esc(String.join(" · ", meta))).append("</p>\n")
          .append("<pre class=\"continuation\">").append(esc(textOr(sample, "continuation", "")))
          .append("</pre>\n</div>\n");
    }
  }

  private static void addMeta(List<String> meta, String name, JsonNode node, String field, boolean decimal) {
    JsonNode value = get(node, field);
    if (present(value)) {
      double d = number(value);
      String shown = !decimal || !Double.isFinite(d) ? text(node, field) : String.format(Locale.ROOT, "%s", d);
      meta.add(name + " " + shown);
    }
  }

  // ---------------------------------------------------------------- data helpers

  private record Source(String name, String role) {}

  /** The sources in the order of the sets, then any that only the evaluations name. */
  private static List<Source> sources(JsonNode report, List<JsonNode> evaluations) {
    Map<String, String> roles = new LinkedHashMap<>();
    for (JsonNode set : objects(report, "sets")) {
      String name = text(set, "source");
      if (name != null) {
        roles.putIfAbsent(name, text(set, "role"));
      }
    }
    for (JsonNode e : evaluations) {
      for (JsonNode row : objects(e, "bySource")) {
        String name = text(row, "source");
        if (name != null && roles.get(name) == null) {
          roles.put(name, text(row, "role"));
        }
      }
    }
    List<Source> sources = new ArrayList<>();
    roles.forEach((name, role) -> sources.add(new Source(name, role)));
    return sources;
  }


  private static boolean isInitial(JsonNode evaluation, int index) {
    return "initial".equalsIgnoreCase(label(evaluation, index))
        || "untrained".equalsIgnoreCase(text(evaluation, "format"));
  }

  /** The first evaluation whose delta is exactly zero: the fp32 model the others are compared with; -1 if none. */
  private static int referenceIndex(List<JsonNode> evaluations) {
    for (int i = 0; i < evaluations.size(); i++) {
      JsonNode e = evaluations.get(i);
      if (number(e, "deltaLoss") == 0 || number(e, "deltaBitsPerByte") == 0) {
        return i;
      }
    }
    return -1;
  }

  private static String color(int index) {
    return PALETTE[index % PALETTE.length];
  }

  private static String abbreviate(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max - 1) + "…";
  }

  private static void putIfPresent(Map<String, String> rows, String key, String value) {
    if (value != null && !value.isBlank()) {
      rows.put(key, value);
    }
  }

  // ---------------------------------------------------------------- markup helpers

  private static void cell(StringBuilder out, String text) {
    out.append("<td>").append(esc(text)).append("</td>");
  }

  private static void num(StringBuilder out, String text) {
    out.append("<td class=\"num\">").append(esc(text)).append("</td>");
  }

  private static void line(StringBuilder out, String cls, double x1, double y1, double x2, double y2) {
    out.append(String.format(Locale.ROOT,
        "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", cls, x1, y1, x2, y2));
  }

  private static void svgText(StringBuilder out, double x, double y, String anchor, String text) {
    out.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", x, y, anchor))
        .append(esc(text)).append("</text>\n");
  }

  /** Escapes text for element content and quoted attribute values. */
  static String esc(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> {
          // control characters other than tab and newlines are not allowed in HTML text
          if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            out.append('\uFFFD');
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }

  /**
   * An axis from a data range: bounds rounded out to a "nice" tick step (1, 2 or 5 times a power of ten), so that
   * about {@code targetTicks} labelled ticks fit.
   */
  private record Axis(double min, double max, double step) {

    static Axis nice(double dataMin, double dataMax, int targetTicks) {
      if (dataMin == dataMax) {
        double pad = dataMin == 0 ? 1 : Math.abs(dataMin) * 0.1;
        dataMin -= pad;
        dataMax += pad;
      }
      double step = niceStep((dataMax - dataMin) / Math.max(1, targetTicks));
      double min = Math.floor(dataMin / step) * step;
      double max = Math.ceil(dataMax / step) * step;
      if (max <= min) {
        max = min + step;
      }
      return new Axis(min, max, step);
    }

    static double niceStep(double raw) {
      double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
      double fraction = raw / magnitude;
      double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
      return nice * magnitude;
    }

    double fraction(double value) {
      return (value - min) / (max - min);
    }

    List<Double> ticks() {
      List<Double> ticks = new ArrayList<>();
      long count = Math.round((max - min) / step);
      for (long i = 0; i <= count && i <= 100; i++) {
        ticks.add(min + i * step);
      }
      return ticks;
    }

    String label(double value) {
      int decimals = step >= 1 ? 0 : (int) Math.min(8, Math.ceil(-Math.log10(step) - 1e-9));
      return String.format(Locale.ROOT, "%,." + decimals + "f", value + 0.0);
    }
  }
}
