package dev.pretrain.ops.report;

import dev.pretrain.db.storage.RunObjectKeys;
import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.run.RunSummary;
import dev.pretrain.workflows.run.StepSummary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The end-of-run summary, the same for {@code run}, {@code demo} and the tests: per step its counts,
 * time, MB/s and docs/s, and where the artifacts are. Text for people, a map for {@code --json}.
 *
 * @param workflowUrl Temporal Web UI link to the run's workflow, or null when there is no UI
 * @param bucket      bucket that holds the run's artifacts (under {@code runs/<runId>/})
 */
public record RunReport(RunSummary summary, String workflowUrl, String bucket) {

  /**
   * Count names that mean "documents (or records) this step read", in order of preference; matched
   * ignoring case and underscores (records_in = recordsIn).
   */
  static final List<String> DOC_COUNT_KEYS = List.of("documentsin", "recordsin", "documents", "docsin", "docs");

  /** Count names that mean tokens produced (train + validation when there is no total). */
  static final List<String> TOKEN_COUNT_KEYS = List.of("traintokens", "valtokens");

  public static double megabytesPerSecond(StepSummary s) {
    return s.millis() <= 0 ? 0 : (s.bytesIn() / 1e6) / (s.millis() / 1000.0);
  }

  /** Documents read per second, or -1 if the step reports no document count. */
  public static double docsPerSecond(StepSummary s) {
    Long docs = documents(s);
    return docs == null || s.millis() <= 0 ? -1 : docs / (s.millis() / 1000.0);
  }

  /** Tokens written per second (train: the trainer's own rate), or -1 if the step reports no tokens. */
  public static double tokensPerSecond(StepSummary s) {
    Double trained = figure(s, "tokens_per_second");
    if (trained != null) {
      return trained;
    }
    Map<String, Long> c = normalized(s.counts());
    long tokens = 0;
    boolean any = false;
    if (c.containsKey("tokens")) {
      tokens = c.get("tokens");
      any = true;
    } else {
      for (String k : TOKEN_COUNT_KEYS) {
        if (c.containsKey(k)) {
          tokens += c.get(k);
          any = true;
        }
      }
    }
    return !any || s.millis() <= 0 ? -1 : tokens / (s.millis() / 1000.0);
  }

  private static Map<String, Long> normalized(Map<String, Long> counts) {
    Map<String, Long> m = new LinkedHashMap<>();
    if (counts != null) {
      counts.forEach((k, v) -> m.putIfAbsent(k.toLowerCase(Locale.ROOT).replace("_", "").replace("-", ""), v));
    }
    return m;
  }

  static Long documents(StepSummary s) {
    Map<String, Long> c = normalized(s.counts());
    for (String k : DOC_COUNT_KEYS) {
      if (c.containsKey(k)) {
        return c.get(k);
      }
    }
    return null;
  }

  /** Where the run's artifacts are: {@code s3://<bucket>/runs/<runId>/}. */
  public String artifactsLocation() {
    return ArtifactRef.s3Uri(bucket, RunObjectKeys.runPrefix(summary.runId()));
  }

  /** The longest common folder of a step's outputs, or null if it has none. */
  static String commonFolder(List<ArtifactRef> outputs) {
    if (outputs == null || outputs.isEmpty()) {
      return null;
    }
    String prefix = outputs.get(0).uri();
    for (ArtifactRef r : outputs) {
      int i = 0;
      while (i < prefix.length() && i < r.uri().length() && prefix.charAt(i) == r.uri().charAt(i)) {
        i++;
      }
      prefix = prefix.substring(0, i);
    }
    int slash = prefix.lastIndexOf('/');
    return slash < "s3://".length() ? prefix : prefix.substring(0, slash + 1);
  }

  public String text() {
    StringBuilder b = new StringBuilder();
    b.append("Run ").append(summary.runId()).append(": ").append(summary.status()).append('\n');
    if (workflowUrl != null) {
      b.append("  Temporal UI: ").append(workflowUrl).append('\n');
    }
    b.append('\n');
    b.append(String.format(Locale.ROOT, "  %-10s %9s %10s %8s %10s %12s  %s%n", "step", "time", "MB in", "MB/s",
        "docs/s", "tokens/s", "counts"));
    long totalMillis = 0;
    for (StepSummary s : steps()) {
      totalMillis += s.millis();
      b.append(String.format(Locale.ROOT, "  %-10s %8.1fs %10.2f %8.2f %10s %12s  %s%s%n", s.step(), s.millis() / 1000.0,
          s.bytesIn() / 1e6, megabytesPerSecond(s), rate(docsPerSecond(s)), rate(tokensPerSecond(s)),
          cacheText(s), countsText(s.counts())));
    }
    b.append(String.format(Locale.ROOT, "  %-10s %8.1fs%n", "total", totalMillis / 1000.0));
    b.append('\n');
    b.append(modelText());
    b.append("Artifacts under ").append(artifactsLocation()).append('\n');
    for (StepSummary s : steps()) {
      String folder = commonFolder(s.outputs());
      if (folder != null) {
        long bytes = s.outputs().stream().mapToLong(ArtifactRef::sizeBytes).sum();
        b.append(String.format(Locale.ROOT, "  %-10s %4d objects, %10.2f MB  %s%n", s.step(), s.outputs().size(),
            bytes / 1e6, folder));
      }
    }
    StepSummary export = step("export");
    if (export != null && export.outputs() != null) {
      for (ArtifactRef a : export.outputs()) {
        if (a.uri().endsWith("/report/evaluation.html")) {
          b.append("Evaluation report: ").append(a.uri()).append('\n');
        } else if (a.uri().endsWith("/report/model-card.md")) {
          b.append("Model card: ").append(a.uri()).append('\n');
        }
      }
    }
    b.append("Lineage: ./pretrain lineage ").append(summary.runId()).append('\n');
    return b.toString();
  }

  /** "[cache hit] " when the step's result came from the step cache, "[2 of 5 from cache] " when partly. */
  static String cacheText(StepSummary s) {
    if (s.fromCache()) {
      return "[cache hit] ";
    }
    if (s.cacheHits() > 0) {
      return "[" + s.cacheHits() + " of " + (s.cacheHits() + s.computed()) + " from cache] ";
    }
    return "";
  }

  public Map<String, Object> json() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("runId", summary.runId());
    m.put("status", summary.status());
    m.put("workflowUrl", workflowUrl);
    m.put("artifacts", artifactsLocation());
    List<Map<String, Object>> steps = new ArrayList<>();
    for (StepSummary s : steps()) {
      Map<String, Object> st = new LinkedHashMap<>();
      st.put("step", s.step());
      st.put("millis", s.millis());
      st.put("cacheHits", s.cacheHits());
      st.put("computed", s.computed());
      st.put("bytesIn", s.bytesIn());
      st.put("mbPerSecond", round(megabytesPerSecond(s)));
      double d = docsPerSecond(s);
      st.put("docsPerSecond", d < 0 ? null : round(d));
      double t = tokensPerSecond(s);
      st.put("tokensPerSecond", t < 0 ? null : round(t));
      st.put("counts", s.counts());
      if (s.figures() != null && !s.figures().isEmpty()) {
        st.put("figures", s.figures());
      }
      st.put("outputs", s.outputs() == null ? 0 : s.outputs().size());
      st.put("location", commonFolder(s.outputs()));
      steps.add(st);
    }
    m.put("steps", steps);
    return m;
  }

  /**
   * The model steps' figures: validation loss and bits per byte before and after training and of
   * the Q8_0 model, training throughput, quantized size. Empty for runs without a train step.
   */
  String modelText() {
    StepSummary train = step("train");
    if (train == null) {
      return "";
    }
    StepSummary eval = step("evaluate");
    StepSummary quant = step("quantize");
    StringBuilder b = new StringBuilder();
    Map<String, Long> c = train.counts() == null ? Map.of() : train.counts();
    b.append(String.format(Locale.ROOT, "Model: %,d parameters, %,d steps, %,d tokens, %s tokens/s, train loss %s%n",
        c.getOrDefault("parameters", 0L), c.getOrDefault("steps", 0L), c.getOrDefault("tokens_seen", 0L),
        rate(tokensPerSecond(train)), num(figure(train, "train_loss"), "%.4f")));
    if (c.getOrDefault("resumed_from_step", 0L) > 0) {
      b.append(String.format(Locale.ROOT, "  resumed from the checkpoint at step %,d%n", c.get("resumed_from_step")));
    }
    if (eval == null || figure(eval, "val_loss") == null) {
      b.append("  no held-out data: the model was not evaluated (tokenize.valFraction or heldOutSources)\n");
    } else {
      b.append(String.format(Locale.ROOT, "  %-22s %10s %10s %12s%n", "validation", "loss", "bits/byte", "perplexity"));
      b.append(evalRow("before training", figure(eval, "val_loss_before"), figure(eval, "bits_per_byte_before"),
          figure(eval, "perplexity_before")));
      b.append(evalRow("after training", figure(eval, "val_loss"), figure(eval, "bits_per_byte"),
          figure(eval, "perplexity")));
      if (quant != null && figure(quant, "val_loss_q8") != null) {
        Double q8 = figure(quant, "val_loss_q8");
        b.append(evalRow("Q8_0 (dequantized)", q8, figure(quant, "bits_per_byte_q8"), Math.exp(q8)));
      }
      StepSummary export = step("export");
      Double fp32 = figure(eval, "val_loss");
      for (String type : new String[] {"f32", "f16", "q8_0", "q4_0"}) {
        Double delta = export == null ? null : figure(export, "loss_delta_" + type);
        if (delta != null && fp32 != null) {
          b.append(evalRow("GGUF " + type, fp32 + delta, figure(export, "bits_per_byte_" + type),
              Math.exp(fp32 + delta)));
        }
      }
    }
    if (quant != null && quant.counts() != null && quant.counts().containsKey("quantized_bytes")) {
      b.append(String.format(Locale.ROOT, "  Q8_0: %.2f MB of weights, %s of fp32 (%.2f MB); loss delta %s%n",
          quant.counts().get("quantized_bytes") / 1e6, num(figure(quant, "size_ratio"), "%.3f"),
          quant.counts().getOrDefault("fp32_bytes", 0L) / 1e6, num(figure(quant, "loss_delta"), "%+.5f")));
    }
    return b.append('\n').toString();
  }

  private static String evalRow(String label, Double loss, Double bpb, Double ppl) {
    return String.format(Locale.ROOT, "  %-22s %10s %10s %12s%n", label, num(loss, "%.4f"), num(bpb, "%.4f"),
        num(ppl, "%.1f"));
  }

  private StepSummary step(String name) {
    for (StepSummary s : steps()) {
      if (name.equals(s.step())) {
        return s;
      }
    }
    return null;
  }

  /** A figure of a step, or null (runs recorded before figures existed have none). */
  static Double figure(StepSummary s, String name) {
    return s.figures() == null ? null : s.figures().get(name);
  }

  private static String num(Double v, String format) {
    return v == null ? "-" : String.format(Locale.ROOT, format, v);
  }

  private List<StepSummary> steps() {
    return summary.steps() == null ? List.of() : summary.steps();
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  private static String rate(double v) {
    return v < 0 ? "-" : String.format(Locale.ROOT, "%.0f", v);
  }

  public static String countsText(Map<String, Long> counts) {
    if (counts == null || counts.isEmpty()) {
      return "";
    }
    StringBuilder b = new StringBuilder();
    counts.forEach((k, v) -> b.append(b.length() == 0 ? "" : " ").append(k).append('=').append(v));
    return b.toString();
  }
}
