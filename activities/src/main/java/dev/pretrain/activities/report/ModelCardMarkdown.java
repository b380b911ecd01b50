package dev.pretrain.activities.report;

import static dev.pretrain.activities.report.ReportFormat.label;
import static dev.pretrain.activities.report.ReportFormat.bySource;
import static dev.pretrain.activities.report.ReportFormat.bytes;
import static dev.pretrain.activities.report.ReportFormat.count;
import static dev.pretrain.activities.report.ReportFormat.decimal;
import static dev.pretrain.activities.report.ReportFormat.get;
import static dev.pretrain.activities.report.ReportFormat.objects;
import static dev.pretrain.activities.report.ReportFormat.present;
import static dev.pretrain.activities.report.ReportFormat.signed;
import static dev.pretrain.activities.report.ReportFormat.text;
import static dev.pretrain.activities.report.ReportFormat.textOr;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Renders a model card (GitHub-flavoured Markdown) from the card JSON a run produces: model, tokenizer, training,
 * training data with its licenses and jurisdictions, evaluation, quantization, files with their SHA-256, and
 * limitations. Any field may be missing; a section with nothing to show says so instead of failing. Table cells have
 * {@code |} escaped and line breaks folded.
 */
public final class ModelCardMarkdown {

  private ModelCardMarkdown() {}

  public static String render(JsonNode card) {
    StringBuilder out = new StringBuilder(8192);
    String name = textOr(card, "name", textOr(card, "runId", "unnamed model"));
    out.append("# Model card: ").append(inline(name)).append("\n\n");
    out.append(summary(card, name)).append("\n\n");
    model(out, get(card, "architecture"));
    tokenizer(out, get(card, "tokenizer"));
    training(out, get(card, "training"));
    data(out, get(card, "data"));
    evaluation(out, get(card, "evaluation"));
    quantization(out, get(card, "evaluation"));
    files(out, objects(card, "files"));
    reports(out, get(card, "reports"));
    out.append("## Limitations\n\n");
    String limitations = text(card, "limitations");
    out.append(limitations == null || limitations.isBlank() ? "Not stated." : limitations.strip()).append('\n');
    return out.toString();
  }

  // ---------------------------------------------------------------- sections

  private static String summary(JsonNode card, String name) {
    JsonNode architecture = get(card, "architecture");
    JsonNode training = get(card, "training");
    StringBuilder s = new StringBuilder("**").append(inline(name)).append("**");
    List<String> what = new ArrayList<>();
    if (present(get(architecture, "parameters"))) {
      what.add(count(get(architecture, "parameters")) + " parameters");
    }
    String family = text(architecture, "family");
    s.append(": a ").append(family == null ? "language model" : inline(family) + " language model");
    if (!what.isEmpty()) {
      s.append(" with ").append(String.join(", ", what));
    }
    if (present(get(training, "steps")) || present(get(training, "tokensSeen"))) {
      s.append(", trained");
      if (present(get(training, "steps"))) {
        s.append(" for ").append(count(get(training, "steps"))).append(" steps");
      }
      if (present(get(training, "tokensSeen"))) {
        s.append(" on ").append(count(get(training, "tokensSeen"))).append(" tokens");
      }
    }
    s.append('.');
    String runId = text(card, "runId");
    String createdAt = text(card, "createdAt");
    if (runId != null) {
      s.append(" Run `").append(runId.replace("`", "'")).append("`.");
    }
    if (createdAt != null) {
      s.append(" Created ").append(inline(createdAt)).append('.');
    }
    return s.toString();
  }

  private static void model(StringBuilder out, JsonNode a) {
    out.append("## Model\n\n");
    Map<String, String> rows = new LinkedHashMap<>();
    putText(rows, "Family", a, "family");
    putCount(rows, "Parameters", a, "parameters");
    putCount(rows, "Vocabulary size", a, "vocabSize");
    putCount(rows, "Model width (d_model)", a, "dModel");
    putCount(rows, "Layers", a, "layers");
    putCount(rows, "Attention heads", a, "heads");
    putCount(rows, "FFN hidden size", a, "ffnHidden");
    putCount(rows, "Context length", a, "contextLength");
    putText(rows, "RoPE theta", a, "ropeTheta");
    putText(rows, "Tied input/output embedding", a, "tiedEmbedding");
    keyValueTable(out, rows, "No architecture recorded.");
  }

  private static void tokenizer(StringBuilder out, JsonNode t) {
    out.append("## Tokenizer\n\n");
    Map<String, String> rows = new LinkedHashMap<>();
    putText(rows, "Kind", t, "kind");
    putCount(rows, "Vocabulary size", t, "vocabSize");
    putText(rows, "Pre-tokenizer", t, "preTokenizer");
    putText(rows, "URI", t, "uri");
    if (text(t, "sha256") != null) {
      rows.put("SHA-256", code(text(t, "sha256")));
    }
    keyValueTable(out, rows, "No tokenizer recorded.");
  }

  private static void training(StringBuilder out, JsonNode t) {
    out.append("## Training\n\n");
    Map<String, String> rows = new LinkedHashMap<>();
    putCount(rows, "Steps", t, "steps");
    putCount(rows, "Tokens seen", t, "tokensSeen");
    putCount(rows, "Batch size (sequences)", t, "batch");
    putCount(rows, "Sequence length", t, "seqLen");
    putText(rows, "Peak learning rate", t, "lr");
    putText(rows, "Seed", t, "seed");
    if (present(get(t, "finalTrainLoss"))) {
      rows.put("Final training loss", decimal(get(t, "finalTrainLoss"), 4));
    }
    putText(rows, "Device", t, "device");
    keyValueTable(out, rows, "No training details recorded.");
  }

  private static void data(StringBuilder out, JsonNode data) {
    out.append("## Training data\n\n");
    if (!present(data)) {
      out.append("No training data recorded.\n\n");
      return;
    }
    List<String> totals = new ArrayList<>();
    if (present(get(data, "documents"))) {
      totals.add(count(get(data, "documents")) + " documents");
    }
    if (present(get(data, "tokens"))) {
      totals.add(count(get(data, "tokens")) + " tokens");
    }
    if (!totals.isEmpty()) {
      out.append(String.join(", ", totals)).append(".\n\n");
    }
    List<JsonNode> sources = objects(data, "sources");
    if (!sources.isEmpty()) {
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode s : sources) {
        rows.add(List.of(
            textOr(s, "source", ReportFormat.NONE), textOr(s, "license", ReportFormat.NONE),
            textOr(s, "jurisdiction", ReportFormat.NONE), count(get(s, "documents")), count(get(s, "chars")),
            count(get(s, "tokens"))));
      }
      table(out, List.of("Source", "License", "Jurisdiction", "Documents", "Characters", "Tokens"),
          List.of(false, false, false, true, true, true), rows);
    }
    totalsTable(out, "License", get(data, "licenses"));
    totalsTable(out, "Jurisdiction", get(data, "jurisdictions"));
  }

  private static void totalsTable(StringBuilder out, String what, JsonNode counts) {
    if (counts == null || !counts.isObject() || counts.isEmpty()) {
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = counts.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      rows.add(List.of(entry.getKey(), count(entry.getValue())));
    }
    table(out, List.of(what, "Documents"), List.of(false, true), rows);
  }

  private static void evaluation(StringBuilder out, JsonNode evaluation) {
    out.append("## Evaluation\n\n");
    List<JsonNode> evaluations = objects(evaluation, "evaluations");
    if (evaluations.isEmpty()) {
      out.append("No evaluation recorded.\n\n");
      return;
    }
    List<JsonNode> sets = objects(evaluation, "sets");
    if (!sets.isEmpty()) {
      out.append("Evaluated on:\n\n");
      for (JsonNode set : sets) {
        out.append("- ").append(inline(textOr(set, "source", ReportFormat.NONE)));
        String role = text(set, "role");
        if (role != null) {
          out.append(" (").append(inline(role)).append(')');
        }
        if (present(get(set, "documents")) || present(get(set, "tokens"))) {
          out.append(": ").append(count(get(set, "documents"))).append(" documents, ")
              .append(count(get(set, "tokens"))).append(" tokens");
        }
        out.append('\n');
      }
      out.append('\n');
    }
    List<List<String>> rows = new ArrayList<>();
    for (int i = 0; i < evaluations.size(); i++) {
      JsonNode e = evaluations.get(i);
      rows.add(List.of(label(e, i), textOr(e, "format", ReportFormat.NONE), textOr(e, "type", ReportFormat.NONE),
          decimal(get(e, "loss"), 4), decimal(get(e, "perplexity"), 2), decimal(get(e, "bitsPerByte"), 4),
          signed(get(e, "deltaLoss"), 4), signed(get(e, "deltaBitsPerByte"), 4)));
    }
    table(out, List.of("Model", "Format", "Type", "Loss", "Perplexity", "Bits/byte", "Δ loss", "Δ bits/byte"),
        List.of(false, false, false, true, true, true, true, true), rows);

    Set<String> sources = new LinkedHashSet<>();
    for (JsonNode set : sets) {
      if (text(set, "source") != null) {
        sources.add(text(set, "source"));
      }
    }
    for (JsonNode e : evaluations) {
      for (JsonNode row : objects(e, "bySource")) {
        if (text(row, "source") != null) {
          sources.add(text(row, "source"));
        }
      }
    }
    if (sources.isEmpty()) {
      return;
    }
    out.append("Bits per byte by source:\n\n");
    List<String> header = new ArrayList<>(List.of("Source"));
    List<Boolean> numeric = new ArrayList<>(List.of(false));
    for (int i = 0; i < evaluations.size(); i++) {
      header.add(label(evaluations.get(i), i));
      numeric.add(true);
    }
    List<List<String>> bpbRows = new ArrayList<>();
    for (String source : sources) {
      List<String> row = new ArrayList<>(List.of(source));
      for (JsonNode e : evaluations) {
        row.add(decimal(get(bySource(e, source), "bitsPerByte"), 4));
      }
      bpbRows.add(row);
    }
    table(out, header, numeric, bpbRows);
  }

  private static void quantization(StringBuilder out, JsonNode evaluation) {
    out.append("## Quantization\n\n");
    List<List<String>> rows = new ArrayList<>();
    List<JsonNode> evaluations = objects(evaluation, "evaluations");
    for (int i = 0; i < evaluations.size(); i++) {
      JsonNode e = evaluations.get(i);
      if ("initial".equalsIgnoreCase(label(e, i)) || "untrained".equalsIgnoreCase(text(e, "format"))) {
        continue;
      }
      JsonNode fileBytes = get(e, "fileBytes");
      rows.add(List.of(textOr(e, "type", label(e, i)), label(e, i),
          present(fileBytes) ? count(fileBytes) + " (" + bytes(fileBytes) + ")" : ReportFormat.NONE,
          decimal(get(e, "bitsPerByte"), 4), signed(get(e, "deltaBitsPerByte"), 4), signed(get(e, "deltaLoss"), 4)));
    }
    if (rows.isEmpty()) {
      out.append("No quantized models evaluated.\n\n");
      return;
    }
    table(out, List.of("Type", "Model", "File bytes", "Bits/byte", "Δ bits/byte to f32", "Δ loss to f32"),
        List.of(false, false, true, true, true, true), rows);
  }

  private static void files(StringBuilder out, List<JsonNode> files) {
    out.append("## Files\n\n");
    if (files.isEmpty()) {
      out.append("No files recorded.\n\n");
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    for (JsonNode f : files) {
      String sha = text(f, "sha256");
      rows.add(List.of(textOr(f, "uri", ReportFormat.NONE), textOr(f, "format", ReportFormat.NONE),
          textOr(f, "type", ReportFormat.NONE), count(get(f, "bytes")), sha == null ? ReportFormat.NONE : code(sha)));
    }
    table(out, List.of("URI", "Format", "Type", "Bytes", "SHA-256"), List.of(false, false, false, true, false), rows);
  }

  private static void reports(StringBuilder out, JsonNode reports) {
    if (reports == null || !reports.isObject() || reports.isEmpty()) {
      return;
    }
    out.append("## Reports\n\n");
    for (Iterator<Map.Entry<String, JsonNode>> it = reports.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      if (present(entry.getValue())) {
        out.append("- ").append(inline(entry.getKey())).append(": ").append(inline(entry.getValue().asText()))
            .append('\n');
      }
    }
    out.append('\n');
  }

  // ---------------------------------------------------------------- helpers


  private static void putText(Map<String, String> rows, String key, JsonNode node, String field) {
    String value = text(node, field);
    if (value != null) {
      rows.put(key, value);
    }
  }

  private static void putCount(Map<String, String> rows, String key, JsonNode node, String field) {
    if (present(get(node, field))) {
      rows.put(key, count(get(node, field)));
    }
  }

  private static void keyValueTable(StringBuilder out, Map<String, String> rows, String whenEmpty) {
    if (rows.isEmpty()) {
      out.append(whenEmpty).append("\n\n");
      return;
    }
    List<List<String>> body = new ArrayList<>();
    rows.forEach((k, v) -> body.add(List.of(k, v)));
    table(out, List.of("Property", "Value"), List.of(false, false), body);
  }

  /** A GFM table; numeric columns are right-aligned. Cells are escaped here, so callers pass plain text. */
  private static void table(StringBuilder out, List<String> header, List<Boolean> numeric, List<List<String>> rows) {
    row(out, header);
    out.append('|');
    for (int i = 0; i < header.size(); i++) {
      out.append(numeric.get(i) ? " ---: |" : " --- |");
    }
    out.append('\n');
    for (List<String> row : rows) {
      row(out, row);
    }
    out.append('\n');
  }

  private static void row(StringBuilder out, List<String> cells) {
    out.append('|');
    for (String cell : cells) {
      out.append(' ').append(cell(cell)).append(" |");
    }
    out.append('\n');
  }

  /** A table cell: {@code |} escaped (also inside code spans, as GFM requires), line breaks folded to spaces. */
  static String cell(String text) {
    if (text == null || text.isEmpty()) {
      return ReportFormat.NONE;
    }
    return text.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ').replace("|", "\\|").strip();
  }

  /** Text on one line outside a table. */
  private static String inline(String text) {
    return text == null ? "" : text.replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ').strip();
  }

  private static String code(String text) {
    return "`" + text.replace("`", "'") + "`";
  }
}
