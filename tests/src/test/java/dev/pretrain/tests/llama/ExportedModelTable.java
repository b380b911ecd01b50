package dev.pretrain.tests.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pretrain.activities.evaluate.Generation;
import dev.pretrain.activities.export.GgufExport;
import dev.pretrain.activities.train.Checkpoint;
import dev.pretrain.activities.train.DjlRuntime;
import dev.pretrain.activities.train.LlamaModel;
import dev.pretrain.activities.train.TokenShards;
import dev.pretrain.batch.tokenize.bpe.BpeTokenizer;
import dev.pretrain.batch.tokenize.bpe.BpeVocabulary;
import dev.pretrain.batch.tokenize.bpe.HfTokenizerJson;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a user choosing hardware for on-premises inference wants to know about a run's exported model:
 * per GGUF type, the file size, bits per byte and its delta to fp32 overall and per held-out source
 * (from the run's {@code report/evaluation.json}), and what llama.cpp (node-llama-cpp's CPU build) does
 * with the file on this machine: load time, greedy generation speed, resident memory, its greedy
 * continuation of a fixed prompt next to ours, and the agreement of its next-token log-probabilities with
 * our fp32 model's on held-out tokens. An F32 GGUF is written beside the run's files as the reference.
 *
 * <pre>
 * java -cp ... dev.pretrain.tests.llama.ExportedModelTable --store .pretrain/s3 --run RUN_ID \
 *     [--prompt "The Linux kernel"] [--tokens 64] [--threads 2] [--rounds 5] [--out target/exported-model-table.md]
 * </pre>
 * Reads the local S3Proxy store (the {@code ./pretrain up} stack keeps objects as files under
 * {@code .pretrain/s3/<bucket>/<key>}); prints Markdown.
 */
public final class ExportedModelTable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int SEQUENCES = 4;
  private static final int SEQUENCE_TOKENS = 120;

  private ExportedModelTable() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opt = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    Path store = Path.of(opt.getOrDefault("store", ".pretrain/s3"));
    String runId = opt.get("run");
    if (runId == null) {
      throw new IllegalArgumentException("--run RUN_ID is required");
    }
    String promptText = opt.getOrDefault("prompt", "The Linux kernel");
    int tokens = Integer.parseInt(opt.getOrDefault("tokens", "64"));
    int threads = Integer.parseInt(opt.getOrDefault("threads", "2"));
    int rounds = Integer.parseInt(opt.getOrDefault("rounds", "5"));
    Path out = Path.of(opt.getOrDefault("out", "target/exported-model-table.md"));

    JsonNode report = JSON.readTree(local(store, "s3://pretrain/runs/" + runId + "/report/evaluation.json").toFile());
    BpeVocabulary vocabulary;
    try (InputStream in = Files.newInputStream(local(store, report.at("/tokenizer/uri").asText()))) {
      vocabulary = HfTokenizerJson.read(in, report.at("/tokenizer/uri").asText());
    }
    BpeTokenizer tokenizer = new BpeTokenizer(vocabulary);
    DjlRuntime.init(Path.of("target", "djl-cache").toAbsolutePath(), threads);

    // held-out token sequences: the start of each val shard the fp32 evaluation read
    JsonNode finalEval = null;
    for (JsonNode e : report.get("evaluations")) {
      if (e.get("label").asText().equals("final")) {
        finalEval = e;
      }
    }
    if (finalEval == null) {
      throw new IllegalStateException("the report has no fp32 (final) evaluation");
    }
    JsonNode finalReport = JSON.readTree(local(store, finalEval.get("report").asText()).toFile());
    List<int[]> sequences = new ArrayList<>();
    for (JsonNode shard : finalReport.get("valShards")) {
      if (sequences.size() == SEQUENCES) {
        break;
      }
      TokenShards ts = TokenShards.open(List.of(local(store, shard.asText())));
      int n = (int) Math.min(SEQUENCE_TOKENS, ts.tokens(0));
      int[] seq = new int[n];
      for (int i = 0; i < n; i++) {
        seq[i] = ts.token(0, i);
      }
      sequences.add(seq);
    }
    int[] prompt = tokenizer.encodeOrdinary(promptText);

    Path dir = Files.createTempDirectory("exported-model-table");
    List<double[]> ours = new ArrayList<>();
    int[][] ourGreedy = new int[1][];
    Map<String, Path> files = new LinkedHashMap<>();
    Path modelFile = local(store, report.at("/model/uri").asText());
    Thread work = new Thread(() -> {
      DjlRuntime.noGradOnThisThread();
      try (NDManager manager = ai.djl.engine.Engine.getInstance().newBaseManager();
          LlamaModel model = Checkpoint.loadModel(modelFile, manager)) {
        for (int[] seq : sequences) {
          ours.add(logProbs(model, seq));
        }
        ourGreedy[0] = Generation.generate(model, prompt, tokens, Generation.Sampling.greedy(), -1);
        Path f32 = dir.resolve("model-f32.gguf");
        GgufExport.write(f32, model, vocabulary, GgufExport.FileType.F32, "pretrain " + runId);
        files.put("f32", f32);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    work.start();
    work.join();
    if (files.isEmpty()) {
      throw new IllegalStateException("could not load the model " + modelFile);
    }
    for (JsonNode e : report.get("evaluations")) {
      if (e.get("format").asText().equals("gguf")) {
        files.put(e.get("type").asText(), local(store, e.get("model").asText()));
      }
    }

    LlamaCpp llama = LlamaCpp.installed();
    Map<String, JsonNode> exact = new LinkedHashMap<>();
    Map<String, List<JsonNode>> speed = new LinkedHashMap<>();
    for (Map.Entry<String, Path> f : files.entrySet()) {
      // log-probs with F32 attention and KV cache (what the file's weights give, not the runtime's rounding)
      ObjectNode r = JSON.createObjectNode().put("model", f.getValue().toString()).put("threads", threads)
          .put("flashAttention", false).put("kvCacheType", "F32");
      ArrayNode seqs = r.putArray("sequences");
      for (int[] s : sequences) {
        ArrayNode a = seqs.addArray();
        Arrays.stream(s).forEach(a::add);
      }
      ObjectNode g = r.putArray("generate").addObject().put("greedy", true).put("maxTokens", tokens);
      ArrayNode p = g.putArray("prompt");
      Arrays.stream(prompt).forEach(p::add);
      exact.put(f.getKey(), llama.run(r));
    }
    // speed and memory with llama.cpp's defaults (flash attention, F16 KV cache), as a user runs it; the
    // types take turns in each round, so a busy moment of the machine does not fall on one type only
    for (int round = 0; round < rounds; round++) {
      for (Map.Entry<String, Path> f : files.entrySet()) {
        ObjectNode s = JSON.createObjectNode().put("model", f.getValue().toString()).put("threads", threads);
        ObjectNode sg = s.putArray("generate").addObject().put("greedy", true).put("maxTokens", 96);
        sg.put("prompt", promptText);
        speed.computeIfAbsent(f.getKey(), k -> new ArrayList<>()).add(llama.run(s));
      }
    }
    double f32Speed = median(speed.get("f32"), "/generated/0/tokensPerSecond");

    StringBuilder md = new StringBuilder();
    md.append("## Run ").append(runId).append(" on this machine (").append(threads).append(" threads)\n\n");
    md.append("| format | type | file | bits/byte | delta to f32 | llama.cpp load | tokens/s | vs f32 | RSS after load |"
        + " max abs dlogp | mean abs dlogp |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    Map<String, JsonNode> evalByType = new LinkedHashMap<>();
    for (JsonNode e : report.get("evaluations")) {
      if (e.get("label").asText().equals("final")) {
        evalByType.put("f32", e);
      } else if (e.get("format").asText().equals("gguf")) {
        evalByType.put(e.get("type").asText(), e);
      }
    }
    for (String type : files.keySet()) {
      JsonNode e = evalByType.get(type);
      List<JsonNode> sp = speed.get(type);
      double[] diff = agreement(ours, exact.get(type));
      long bytes = Files.size(files.get(type));
      double tps = median(sp, "/generated/0/tokensPerSecond");
      md.append(String.format(Locale.ROOT,
          "| gguf | %s | %,d B | %s | %s | %.0f ms | %.1f | %.2f | %.1f MB | %.1e | %.1e |\n",
          type, bytes, e == null ? "" : String.format(Locale.ROOT, "%.5f", e.get("bitsPerByte").asDouble()),
          e == null || e.get("deltaBitsPerByte").isNull() ? "" : String.format(Locale.ROOT, "%+.5f",
              e.get("deltaBitsPerByte").asDouble()),
          median(sp, "/loadMs"), tps, tps / f32Speed, median(sp, "/rssBytesAfterLoad") / 1e6, diff[0], diff[1]));
    }
    md.append("\nbits/byte for f32 is the checkpoint's (the F32 GGUF holds the same weights); log-probabilities over ")
        .append(sequences.size()).append(" held-out sequences of up to ").append(SEQUENCE_TOKENS)
        .append(" tokens, llama.cpp with F32 attention and KV cache; load time, tokens/s (96 tokens greedy, llama.cpp's defaults) and RSS: ")
        .append("medians of ").append(rounds).append(" rounds, the types taking turns.\n\n");

    md.append("### Bits per byte by held-out source\n\n| source | role | documents | tokens |");
    List<String> types = new ArrayList<>(evalByType.keySet());
    for (String t : types) {
      md.append(' ').append(t).append(" |");
    }
    for (String t : types) {
      if (!t.equals("f32")) {
        md.append(" delta ").append(t).append(" |");
      }
    }
    md.append("\n|---|---|---:|---:|").append("---:|".repeat(types.size() * 2 - 1)).append('\n');
    for (JsonNode s : evalByType.get("f32").get("bySource")) {
      String source = s.get("source").asText();
      md.append(String.format(Locale.ROOT, "| %s | %s | %d | %,d |", source, s.get("role").asText(),
          s.get("documents").asLong(), s.get("tokens").asLong()));
      for (String t : types) {
        md.append(String.format(Locale.ROOT, " %.4f |", bySource(evalByType.get(t), source, "bitsPerByte")));
      }
      for (String t : types) {
        if (!t.equals("f32")) {
          md.append(String.format(Locale.ROOT, " %+.4f |", bySource(evalByType.get(t), source, "deltaBitsPerByte")));
        }
      }
      md.append('\n');
    }

    md.append("\n### Greedy continuation of \"").append(promptText).append("\" (").append(tokens)
        .append(" tokens)\n\n| model | same ids as ours | continuation |\n|---|---|---|\n");
    md.append("| ours (DJL, fp32) | | ").append(cell(tokenizer.decode(ourGreedy[0]))).append(" |\n");
    for (String type : files.keySet()) {
      int[] theirs = JSON.convertValue(exact.get(type).at("/generated/0/ids"), int[].class);
      int same = 0;
      while (same < Math.min(theirs.length, ourGreedy[0].length) && theirs[same] == ourGreedy[0][same]) {
        same++;
      }
      md.append("| llama.cpp ").append(type).append(" | ")
          .append(same == ourGreedy[0].length ? "all " + same : "first " + same).append(" | ")
          .append(cell(tokenizer.decode(theirs))).append(" |\n");
    }
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, md);
    System.out.println(md);
  }

  private static double median(List<JsonNode> answers, String pointer) {
    double[] v = answers.stream().mapToDouble(a -> a.at(pointer).asDouble()).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  private static double bySource(JsonNode evaluation, String source, String field) {
    for (JsonNode s : evaluation.get("bySource")) {
      if (s.get("source").asText().equals(source)) {
        return s.get(field).isNull() ? 0 : s.get(field).asDouble();
      }
    }
    return Double.NaN;
  }

  /** max and mean |log p(llama.cpp) - log p(ours)| over every position of every sequence. */
  private static double[] agreement(List<double[]> ours, JsonNode answer) {
    double max = 0;
    double sum = 0;
    long n = 0;
    for (int s = 0; s < ours.size(); s++) {
      JsonNode theirs = answer.get("evaluated").get(s).get("nextLogProbs");
      for (int i = 0; i < ours.get(s).length; i++) {
        double d = Math.abs(theirs.get(i).asDouble() - ours.get(s)[i]);
        max = Math.max(max, d);
        sum += d;
        n++;
      }
    }
    return new double[] {max, sum / n};
  }

  /** log p of each next token of {@code ids} under {@code model} (one forward pass). */
  static double[] logProbs(LlamaModel model, int[] ids) {
    try (NDScope ignored = new NDScope()) {
      long[] in = Arrays.stream(ids, 0, ids.length - 1).asLongStream().toArray();
      long[] out = Arrays.stream(ids, 1, ids.length).asLongStream().toArray();
      NDArray logits = model.forward(model.manager().create(in, new Shape(1, in.length)));
      float[] nll = LlamaModel.tokenNll(logits, model.manager().create(out, new Shape(1, out.length))).toFloatArray();
      double[] lp = new double[nll.length];
      for (int i = 0; i < nll.length; i++) {
        lp[i] = -nll[i];
      }
      return lp;
    }
  }

  private static String cell(String text) {
    return "`" + text.replace("\n", "\\n").replace("|", "\\|").replace("`", "'") + "`";
  }

  private static Path local(Path store, String uri) {
    if (!uri.startsWith("s3://")) {
      throw new IllegalArgumentException("not an s3:// uri: " + uri);
    }
    return store.resolve(uri.substring("s3://".length()));
  }
}
