package dev.pretrain.activities.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.select.Elements;
import org.junit.jupiter.api.Test;

class EvaluationReportHtmlTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final String RUN_ID = "demo-20261207-2100";
  static final String EVIL_PROMPT = "<script>alert('x')</script> & more";
  static final List<String> SOURCES = List.of("fortunes", "linux-doc-6.12", "kjv");
  static final List<String> ROLES = List.of("held-out source", "drift", "random split");

  /** A report like the evaluation step writes: 3 evaluations over 3 sources, 200 loss points, 2 samples. */
  static ObjectNode report() {
    ObjectNode r = JSON.createObjectNode();
    r.put("runId", RUN_ID).put("recipe", "demo").put("createdAt", "2026-12-07T21:00:00Z");
    r.putObject("model").put("uri", "s3://runs/" + RUN_ID + "/model").put("parameters", 6917376)
        .put("vocabSize", 8192).put("dModel", 256).put("layers", 6).put("heads", 4).put("ffnHidden", 704)
        .put("contextLength", 128);
    r.putObject("tokenizer").put("uri", "s3://runs/" + RUN_ID + "/tokenizer.json").put("vocabSize", 8192);
    ObjectNode training = r.putObject("training").put("steps", 200).put("tokensSeen", 204800);
    ArrayNode curve = training.putArray("lossCurve");
    for (int step = 1; step <= 200; step++) {
      curve.addObject().put("step", step).put("loss", 3 + 6 * Math.exp(-step / 40.0) + 0.1 * Math.sin(step))
          .put("lr", 0.002);
    }
    ArrayNode sets = r.putArray("sets");
    for (int s = 0; s < SOURCES.size(); s++) {
      sets.addObject().put("source", SOURCES.get(s)).put("role", ROLES.get(s)).put("documents", 40)
          .put("tokens", 8192).put("bytes", 30000);
    }
    ArrayNode evaluations = r.putArray("evaluations");
    evaluation(evaluations, "initial", "untrained", "f32", null, 12.0, null);
    evaluation(evaluations, "final", "checkpoint", "f32", 27669504L, 2.0, 0.0);
    evaluation(evaluations, "gguf-q4_0", "gguf", "q4_0", 4168288L, 2.0017, 0.0017);
    ArrayNode samples = r.putArray("samples");
    samples.addObject().put("prompt", "The Linux kernel").put("mode", "greedy").put("maxTokens", 48)
        .put("continuation", "is a free and open source kernel\n  with indentation");
    samples.addObject().put("prompt", EVIL_PROMPT).put("mode", "sample").put("topK", 40).put("temperature", 0.8)
        .put("seed", 7).put("maxTokens", 48).put("continuation", "</pre><b>not bold</b>");
    return r;
  }

  /** bits/byte of an evaluation on source s: the base value plus 0.1 per source index, to tell cells apart. */
  static void evaluation(ArrayNode into, String label, String format, String type, Long fileBytes, double bpb,
      Double delta) {
    ObjectNode e = into.addObject().put("label", label).put("format", format).put("type", type)
        .put("fileBytes", fileBytes).put("loss", bpb * 3).put("perplexity", Math.exp(bpb * 3))
        .put("bitsPerByte", bpb).put("tokens", 24576).put("bytes", 90000)
        .put("deltaLoss", delta == null ? null : delta * 2).put("deltaBitsPerByte", delta);
    ArrayNode bySource = e.putArray("bySource");
    for (int s = 0; s < SOURCES.size(); s++) {
      bySource.addObject().put("source", SOURCES.get(s)).put("role", ROLES.get(s)).put("loss", bpb * 3)
          .put("perplexity", Math.exp(bpb * 3)).put("bitsPerByte", bpb + 0.1 * s).put("tokens", 8192)
          .put("bytes", 30000).put("deltaBitsPerByte", delta == null ? null : delta + 0.001 * s);
    }
  }

  static Document parse(String html) {
    return Jsoup.parse(html);
  }

  @Test
  void titleNamesTheRun() {
    Document doc = parse(EvaluationReportHtml.render(report()));
    assertTrue(doc.title().contains(RUN_ID), doc.title());
    assertEquals(RUN_ID, doc.selectFirst("h1").text().replace("Evaluation report — ", ""));
  }

  @Test
  void isSelfContained() {
    String html = EvaluationReportHtml.render(report());
    Document doc = parse(html);
    assertTrue(html.startsWith("<!DOCTYPE html>"));
    assertTrue(doc.select("script, link, img, iframe, object, embed").isEmpty(), "no scripts or external resources");
    assertTrue(doc.select("[src], [href]").isEmpty(), "nothing is loaded from elsewhere");
    assertNotNull(doc.selectFirst("head > style"));
  }

  @Test
  void hasTheLossChartWithOnePointPerStep() {
    Document doc = parse(EvaluationReportHtml.render(report()));
    assertTrue(doc.select("svg").size() >= 2, "loss chart and bar chart");
    Element loss = doc.selectFirst("svg.loss-chart polyline.loss");
    assertNotNull(loss);
    String[] points = loss.attr("points").trim().split("\\s+");
    assertEquals(200, points.length);
    for (String point : points) {
      String[] xy = point.split(",");
      double x = Double.parseDouble(xy[0]);
      double y = Double.parseDouble(xy[1]);
      assertTrue(x >= 0 && x <= 760 && y >= 0 && y <= 320, point + " lies inside the chart");
    }
    // the x axis is labelled with nice steps up to the last step
    List<String> labels = doc.select("svg.loss-chart text").eachText();
    assertTrue(labels.contains("200"), labels.toString());
    assertTrue(labels.contains("step") && labels.contains("loss"), labels.toString());
    assertNotNull(doc.selectFirst("svg.loss-chart polyline.loss-avg"), "moving average over many points");
  }

  @Test
  void perSourceTableHasARowPerSourceAndTheValues() {
    Document doc = parse(EvaluationReportHtml.render(report()));
    Element table = doc.selectFirst("table.by-source");
    assertNotNull(table);
    List<String> header = table.select("thead th").eachText();
    assertEquals(List.of("Source", "Role", "initial", "final", "gguf-q4_0"), header);
    Elements rows = table.select("tbody tr");
    assertEquals(SOURCES, rows.stream().map(row -> row.child(0).text()).toList());
    assertEquals(ROLES, rows.stream().map(row -> row.child(1).text()).toList());
    // linux-doc-6.12 under gguf-q4_0: 2.0017 + 0.1
    Element cell = rows.get(1).child(header.indexOf("gguf-q4_0"));
    assertEquals("2.1017", cell.text());
  }

  @Test
  void evaluationsTableFormatsNumbersAndDeltas() {
    Document doc = parse(EvaluationReportHtml.render(report()));
    Elements rows = doc.select("table.evaluations tbody tr");
    assertEquals(3, rows.size());
    List<String> q4 = rows.get(2).children().eachText();
    assertEquals("gguf-q4_0", q4.get(0));
    assertEquals("3.98 MiB (4,168,288 B)", q4.get(3));
    assertEquals("2.0017", q4.get(6));
    assertEquals("+0.0034", q4.get(7));
    assertEquals("+0.0017", q4.get(8));
    assertEquals("—", rows.get(0).child(3).text(), "the untrained model has no file");
    assertTrue(rows.get(1).child(0).text().contains("(reference)"));
  }

  @Test
  void barChartLeavesOutTheInitialModel() {
    Document doc = parse(EvaluationReportHtml.render(report()));
    Element chart = doc.selectFirst("svg.bpb-chart");
    assertNotNull(chart);
    // (3 labels - initial) x 3 sources
    assertEquals(2 * SOURCES.size(), chart.select("rect").size());
    assertEquals(2 * SOURCES.size(), chart.select("rect.bar").size());
    for (Element bar : chart.select("rect.bar")) {
      assertFalse(bar.selectFirst("title").text().contains("initial"), bar.outerHtml());
      assertTrue(Double.parseDouble(bar.attr("width")) > 0);
    }
    List<String> legend = doc.select("ul.legend li").eachText();
    assertEquals(List.of("final", "gguf-q4_0"), legend);
    // the initial model stays in the table
    assertTrue(doc.select("table.by-source th").eachText().contains("initial"));
  }

  @Test
  void deltaTableHasOneColumnPerQuantizedModel() {
    Document doc = parse(EvaluationReportHtml.render(report()));
    Element table = doc.selectFirst("table.deltas");
    assertNotNull(table);
    assertEquals(List.of("Source", "Role", "q4_0 (gguf-q4_0)"), table.select("thead th").eachText());
    assertEquals("+0.0037", table.select("tbody tr").get(2).child(2).text());
  }

  @Test
  void textFromTheReportIsEscaped() {
    String html = EvaluationReportHtml.render(report());
    Document doc = parse(html);
    assertTrue(doc.select("script").isEmpty(), "no script element");
    assertFalse(html.contains("<script>"));
    List<String> prompts = doc.select(".sample .prompt strong").eachText();
    assertEquals(List.of("The Linux kernel", EVIL_PROMPT), prompts);
    Elements continuations = doc.select(".sample pre.continuation");
    assertEquals(2, continuations.size());
    assertEquals("</pre><b>not bold</b>", continuations.get(1).wholeText());
    assertTrue(continuations.get(0).wholeText().contains("\n  with indentation"), "preformatted as written");
    assertTrue(doc.select(".sample b").isEmpty());
    String meta = doc.select(".sample .meta").get(1).text();
    assertTrue(meta.contains("sample") && meta.contains("top-k 40") && meta.contains("temperature 0.8")
        && meta.contains("seed 7"), meta);
  }

  @Test
  void nonFiniteNumbersReadNotAvailable() {
    ObjectNode r = report();
    ((ObjectNode) r.get("evaluations").get(2)).put("loss", Double.NaN).put("perplexity", Double.POSITIVE_INFINITY);
    Document doc = parse(EvaluationReportHtml.render(r));
    List<String> q4 = doc.select("table.evaluations tbody tr").get(2).children().eachText();
    assertEquals("n/a", q4.get(4));
    assertEquals("n/a", q4.get(5));
  }

  @Test
  void reportWithOnlyARunIdRenders() {
    ObjectNode r = JSON.createObjectNode().put("runId", RUN_ID);
    Document doc = parse(EvaluationReportHtml.render(r));
    assertTrue(doc.title().contains(RUN_ID));
    assertTrue(doc.select("table").isEmpty());
    assertNotNull(EvaluationReportHtml.render(null));
    assertNotNull(EvaluationReportHtml.render(JSON.createObjectNode()));
  }

  @Test
  void nullAndOddFieldsDoNotThrow() throws Exception {
    String json = """
        {"runId": "odd", "model": null, "training": {"lossCurve": [{"step": 5, "loss": 2.0}, {"loss": null}, 7]},
         "sets": [{"source": null}], "samples": [{}],
         "evaluations": [{"label": null, "bySource": [{"source": "only-here", "bitsPerByte": "NaN"}]},
                         {"bySource": null, "fileBytes": "big"}]}
        """;
    Document doc = parse(EvaluationReportHtml.render(JSON.readTree(json)));
    assertEquals(1, doc.selectFirst("polyline.loss").attr("points").trim().split("\\s+").length);
    assertEquals("only-here", doc.select("table.by-source tbody tr").get(0).child(0).text());
    assertEquals("n/a", doc.select("table.by-source tbody tr").get(0).child(2).text());
  }
}
