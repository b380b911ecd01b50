package dev.pretrain.activities.report;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelCardMarkdownTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final String SHA_Q4 = "ab12".repeat(16);
  static final String SHA_F32 = "cd34".repeat(16);

  static ObjectNode card() {
    ObjectNode c = JSON.createObjectNode();
    c.put("name", "demo").put("runId", "demo-20261207-2100").put("createdAt", "2026-12-07T21:00:00Z");
    c.putObject("architecture").put("family", "llama").put("parameters", 6917376).put("vocabSize", 8192)
        .put("dModel", 256).put("layers", 6).put("heads", 4).put("ffnHidden", 704).put("contextLength", 128)
        .put("ropeTheta", 10000.0).put("tiedEmbedding", true);
    c.putObject("tokenizer").put("kind", "byte-level BPE").put("vocabSize", 8192)
        .put("preTokenizer", "cl100k split (llama.cpp: llama-bpe)").put("uri", "s3://runs/demo/tokenizer.json")
        .put("sha256", "ef56".repeat(16));
    c.putObject("training").put("steps", 500).put("tokensSeen", 512000).put("batch", 8).put("seqLen", 128)
        .put("lr", 0.002).put("seed", 1337).put("finalTrainLoss", 6.4).put("device", "cpu()");
    ObjectNode data = c.putObject("data").put("documents", 5740).put("tokens", 1234567);
    ArrayNode sources = data.putArray("sources");
    sources.addObject().put("source", "kjv").put("license", "public-domain").put("jurisdiction", "US")
        .put("documents", 66).put("chars", 4000000).put("tokens", 900000);
    sources.addObject().put("source", "linux-doc-6.12").put("license", "GPL-2.0 | CC-BY-4.0")
        .put("jurisdiction", "US").put("documents", 3000).put("chars", 1000000).put("tokens", 300000);
    sources.addObject().put("source", "fortunes").put("license", "BSD-3-Clause").put("jurisdiction", "EU")
        .put("documents", 2674).put("chars", 100000).put("tokens", 34567);
    data.putObject("licenses").put("GPL-2.0 | CC-BY-4.0", 3000).put("public-domain", 66).put("BSD-3-Clause", 2674);
    data.putObject("jurisdictions").put("US", 3066).put("EU", 2674);
    ObjectNode evaluation = c.putObject("evaluation");
    evaluation.putArray("sets").addObject().put("source", "fortunes").put("role", "held-out source")
        .put("documents", 40).put("tokens", 8192);
    ArrayNode evaluations = evaluation.putArray("evaluations");
    evaluations.addObject().put("label", "initial").put("format", "untrained").put("type", "f32")
        .putNull("fileBytes").put("loss", 9.0).put("perplexity", 8100.0).put("bitsPerByte", 12.1)
        .putNull("deltaLoss").putNull("deltaBitsPerByte").putArray("bySource").addObject()
        .put("source", "fortunes").put("bitsPerByte", 12.0);
    evaluations.addObject().put("label", "final").put("format", "checkpoint").put("type", "f32")
        .put("fileBytes", 27669504).put("loss", 6.5).put("perplexity", 665.14).put("bitsPerByte", 2.5)
        .put("deltaLoss", 0).put("deltaBitsPerByte", 0).putArray("bySource").addObject()
        .put("source", "fortunes").put("bitsPerByte", 2.4);
    evaluations.addObject().put("label", "gguf-q4_0").put("format", "gguf").put("type", "q4_0")
        .put("fileBytes", 4168288).put("loss", 6.5039).put("perplexity", 667.74).put("bitsPerByte", 2.5017)
        .put("deltaLoss", 0.0039).put("deltaBitsPerByte", 0.0017).putArray("bySource").addObject()
        .put("source", "fortunes").put("bitsPerByte", 2.4019);
    ArrayNode files = c.putArray("files");
    files.addObject().put("uri", "s3://runs/demo/export/model-q4_0.gguf").put("format", "gguf").put("type", "q4_0")
        .put("bytes", 4168288).put("sha256", SHA_Q4);
    files.addObject().put("uri", "s3://runs/demo/export/model.safetensors").put("format", "safetensors")
        .put("type", "f32").put("bytes", 27669504).put("sha256", SHA_F32);
    c.putObject("reports").put("evaluationJson", "s3://runs/demo/evaluation.json")
        .put("evaluationHtml", "s3://runs/demo/evaluation.html");
    c.put("limitations", "A 7M parameter demo model; it is not fit for any use beyond testing the pipeline.");
    return c;
  }

  static List<String> lines(String markdown) {
    return Arrays.asList(markdown.split("\n"));
  }

  /** The table rows (lines starting with "|") of one "## " section. */
  static List<String> tableRows(String markdown, String section) {
    String body = markdown.substring(markdown.indexOf("## " + section + "\n"));
    int next = body.indexOf("\n## ", 1);
    body = next < 0 ? body : body.substring(0, next);
    return lines(body).stream().filter(l -> l.startsWith("|")).toList();
  }

  @Test
  void everyFileHasItsSha256() {
    String md = ModelCardMarkdown.render(card());
    List<String> files = tableRows(md, "Files");
    assertEquals(2 + 2, files.size(), "header, rule and a row per file");
    assertTrue(files.get(2).contains("`" + SHA_Q4 + "`"), files.get(2));
    assertTrue(files.get(3).contains("`" + SHA_F32 + "`"), files.get(3));
    assertTrue(files.get(2).startsWith("| s3://runs/demo/export/model-q4_0.gguf | gguf | q4_0 | 4,168,288 |"));
  }

  @Test
  void sourcesTableHasARowPerSource() {
    String md = ModelCardMarkdown.render(card());
    List<String> rows = tableRows(md, "Training data");
    assertTrue(rows.contains("| kjv | public-domain | US | 66 | 4,000,000 | 900,000 |"), rows.toString());
    assertTrue(rows.contains("| fortunes | BSD-3-Clause | EU | 2,674 | 100,000 | 34,567 |"), rows.toString());
    assertTrue(rows.stream().anyMatch(r -> r.startsWith("| linux-doc-6.12 |")), rows.toString());
    // license and jurisdiction totals
    assertTrue(rows.contains("| public-domain | 66 |"), rows.toString());
    assertTrue(rows.contains("| EU | 2,674 |"), rows.toString());
    assertTrue(md.contains("5,740 documents, 1,234,567 tokens."));
  }

  @Test
  void pipeInACellIsEscaped() {
    String md = ModelCardMarkdown.render(card());
    assertTrue(md.contains("| linux-doc-6.12 | GPL-2.0 \\| CC-BY-4.0 | US | 3,000 | 1,000,000 | 300,000 |"), md);
    assertTrue(md.contains("| GPL-2.0 \\| CC-BY-4.0 | 3,000 |"), md);
    assertFalse(md.contains("GPL-2.0 | CC"), "no unescaped pipe splits the cell");
    // every row of a table has as many cells as its header
    for (String section : List.of("Model", "Training data", "Evaluation", "Quantization", "Files")) {
      for (String row : tableRows(md, section)) {
        int cells = row.replace("\\|", "").split("\\|", -1).length;
        assertTrue(cells >= 3, section + ": " + row);
      }
    }
  }

  @Test
  void evaluationAndQuantizationTables() {
    String md = ModelCardMarkdown.render(card());
    List<String> evaluation = tableRows(md, "Evaluation");
    assertTrue(evaluation.contains(
        "| gguf-q4_0 | gguf | q4_0 | 6.5039 | 667.74 | 2.5017 | +0.0039 | +0.0017 |"), evaluation.toString());
    assertTrue(evaluation.contains("| initial | untrained | f32 | 9.0000 | 8,100.00 | 12.1000 | — | — |"),
        evaluation.toString());
    assertTrue(evaluation.contains("| fortunes | 12.0000 | 2.4000 | 2.4019 |"), evaluation.toString());
    List<String> quantization = tableRows(md, "Quantization");
    assertEquals(2 + 2, quantization.size(), "the untrained model is no quantization");
    assertTrue(quantization.contains("| q4_0 | gguf-q4_0 | 4,168,288 (3.98 MiB) | 2.5017 | +0.0017 | +0.0039 |"),
        quantization.toString());
  }

  @Test
  void sectionsInOrder() {
    String md = ModelCardMarkdown.render(card());
    assertTrue(md.startsWith("# Model card: demo\n"));
    int last = -1;
    for (String section : List.of("Model", "Tokenizer", "Training", "Training data", "Evaluation", "Quantization",
        "Files", "Reports", "Limitations")) {
      int at = md.indexOf("\n## " + section + "\n");
      assertTrue(at > last, section);
      last = at;
    }
    assertTrue(md.contains("6,917,376 parameters"));
    assertTrue(md.contains("| SHA-256 | `" + "ef56".repeat(16) + "` |"));
    assertTrue(md.strip().endsWith("testing the pipeline."));
  }

  @Test
  void missingSectionsDoNotThrow() throws Exception {
    String md = assertDoesNotThrow(() -> ModelCardMarkdown.render(JSON.createObjectNode().put("name", "bare")));
    assertTrue(md.startsWith("# Model card: bare\n"));
    assertTrue(md.contains("## Files\n\nNo files recorded."));
    assertTrue(md.contains("## Limitations\n\nNot stated."));
    assertDoesNotThrow(() -> ModelCardMarkdown.render(null));
    assertDoesNotThrow(() -> ModelCardMarkdown.render(JSON.createObjectNode()));
    String odd = """
        {"architecture": null, "data": {"sources": [{}], "licenses": [], "jurisdictions": {"US": null}},
         "evaluation": {"evaluations": [{"bySource": [{"source": "x"}]}, 3]}, "files": [{"sha256": null}, "x"]}
        """;
    String oddMd = assertDoesNotThrow(() -> ModelCardMarkdown.render(JSON.readTree(odd)));
    assertTrue(oddMd.contains("| x | — |"), oddMd);
  }
}
