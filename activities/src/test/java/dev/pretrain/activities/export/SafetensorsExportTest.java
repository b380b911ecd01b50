package dev.pretrain.activities.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.activities.export.SafetensorsExport.DType;
import dev.pretrain.activities.quantize.Fp16;
import dev.pretrain.activities.train.LlamaModel;
import dev.pretrain.activities.train.ModelConfig;
import dev.pretrain.activities.train.TestData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exports a tiny model as safetensors and reads the header and data back with Jackson and plain
 * byte reads. {@link #pythonHuggingFaceForwardMatchesTheModel} (its first run installs the
 * {@code safetensors} package from PyPI into a venv under target/; python3 is required, as for the other
 * reference checks) loads the file with the {@code safetensors} library and a numpy forward pass in
 * Hugging Face's Llama conventions and compares its logits with the DJL model's.
 */
class SafetensorsExportTest {

  // 4 heads of 16: each head has 8 rotary pairs
  static final ModelConfig CONFIG = new ModelConfig(263, 32, 64, 2, 4, 96, 10000, 5);
  static final ObjectMapper JSON = new ObjectMapper();

  static NDManager manager;

  @BeforeAll
  static void setUp() {
    manager = TestData.djl().newBaseManager();
  }

  @AfterAll
  static void tearDown() {
    manager.close();
  }

  /** The header of a safetensors file: its JSON and where the data starts. */
  record Header(JsonNode json, long dataStart, long headerLength) {}

  static Header header(Path file) throws IOException {
    byte[] all = Files.readAllBytes(file);
    long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    String text = new String(all, 8, Math.toIntExact(n), StandardCharsets.UTF_8);
    return new Header(JSON.readTree(text), 8 + n, n);
  }

  @Test
  void everyDtypeHasHuggingFaceNamesShapesAndContiguousOffsets(@TempDir Path dir) throws IOException {
    byte[] tokenizer = "{\"version\":\"1.0\"}".getBytes(StandardCharsets.UTF_8);
    try (LlamaModel model = LlamaModel.create(CONFIG, manager)) {
      Map<String, float[]> w = model.weights();
      for (DType dtype : DType.values()) {
        Path out = dir.resolve(dtype.name());
        SafetensorsExport.Result r = SafetensorsExport.write(out, model, dtype, 262, 262, tokenizer);
        byte[] all = Files.readAllBytes(r.weights());
        assertEquals(all.length, r.bytes());
        assertFalse(Files.exists(out.resolve("model.safetensors.tmp")));
        Header h = header(r.weights());
        assertEquals(0, h.headerLength() % 8, "data starts 8-aligned");
        assertEquals('{', all[8]);

        // names in our parameter order, then __metadata__ first in the JSON
        List<String> names = new ArrayList<>();
        Iterator<String> it = h.json().fieldNames();
        while (it.hasNext()) {
          names.add(it.next());
        }
        assertEquals("__metadata__", names.get(0));
        assertEquals("pt", h.json().get("__metadata__").get("format").asText());
        List<String> expected = new ArrayList<>();
        for (String p : model.parameters().keySet()) {
          expected.add(SafetensorsExport.hfName(p));
        }
        assertEquals(expected, names.subList(1, names.size()));
        assertEquals(2 + 9 * CONFIG.layers(), expected.size());
        assertTrue(expected.contains("model.layers.1.self_attn.q_proj.weight"));
        assertTrue(expected.contains("model.layers.0.mlp.down_proj.weight"));
        assertFalse(names.contains("lm_head.weight"));

        long offset = 0;
        for (SafetensorsExport.TensorInfo t : r.tensors()) {
          JsonNode node = h.json().get(t.name());
          assertEquals(dtype.name(), node.get("dtype").asText());
          long[] shape = new long[node.get("shape").size()];
          long size = 1;
          for (int i = 0; i < shape.length; i++) {
            shape[i] = node.get("shape").get(i).asLong();
            size *= shape[i];
          }
          assertArrayEquals(t.shape(), shape, t.name());
          assertEquals(model.parameters().get(t.parameter()).getShape().size(), size);
          assertEquals(offset, node.get("data_offsets").get(0).asLong(), t.name() + " begins where the last ended");
          assertEquals(offset + size * dtype.bytes, node.get("data_offsets").get(1).asLong(), t.name());
          offset += size * dtype.bytes;

          // data: Q and K rows in half-split order, everything else as is
          float[] src = w.get(t.parameter());
          if (t.parameter().endsWith(".wq") || t.parameter().endsWith(".wk")) {
            src = SafetensorsExport.toHalfSplit(src, CONFIG.heads(), CONFIG.headDim(), CONFIG.dModel());
          }
          ByteBuffer data = ByteBuffer.wrap(all, Math.toIntExact(h.dataStart() + t.begin()),
              Math.toIntExact(t.end() - t.begin())).order(ByteOrder.LITTLE_ENDIAN);
          for (int i = 0; i < src.length; i++) {
            switch (dtype) {
              case F32 -> assertEquals(Float.floatToRawIntBits(src[i]), Float.floatToRawIntBits(data.getFloat()));
              case F16 -> assertEquals(Fp16.fromFloat(src[i]), data.getShort());
              case BF16 -> assertEquals(SafetensorsExport.bf16(src[i]), data.getShort());
              default -> throw new AssertionError();
            }
          }
        }
        assertEquals(all.length, h.dataStart() + offset, "file ends with the last tensor");

        JsonNode c = JSON.readTree(r.config().toFile());
        assertEquals("LlamaForCausalLM", c.get("architectures").get(0).asText());
        assertEquals("llama", c.get("model_type").asText());
        assertEquals(64, c.get("hidden_size").asInt());
        assertEquals(96, c.get("intermediate_size").asInt());
        assertEquals(2, c.get("num_hidden_layers").asInt());
        assertEquals(4, c.get("num_attention_heads").asInt());
        assertEquals(4, c.get("num_key_value_heads").asInt());
        assertEquals(32, c.get("max_position_embeddings").asInt());
        assertEquals(263, c.get("vocab_size").asInt());
        assertEquals(1e-5, c.get("rms_norm_eps").asDouble(), 1e-12);
        assertEquals(10000.0, c.get("rope_theta").asDouble());
        assertTrue(c.get("tie_word_embeddings").asBoolean());
        assertEquals(262, c.get("bos_token_id").asInt());
        assertEquals(262, c.get("eos_token_id").asInt());
        assertEquals(dtype.torchDtype, c.get("torch_dtype").asText());
        assertArrayEquals(tokenizer, Files.readAllBytes(r.tokenizer()));
      }
    }
  }

  @Test
  void halfSplitPermutationMovesRotaryPairsAndIsInvertible() {
    int heads = 2;
    int hd = 6;
    int cols = 3;
    float[] w = new float[heads * hd * cols];
    for (int r = 0; r < heads * hd; r++) {
      for (int c = 0; c < cols; c++) {
        w[r * cols + c] = r * 10 + c;
      }
    }
    float[] p = SafetensorsExport.toHalfSplit(w, heads, hd, cols);
    // within each head, rows 0,2,4 (first members of pairs 0,1,2) then rows 1,3,5
    int[] rows = {0, 2, 4, 1, 3, 5, 6, 8, 10, 7, 9, 11};
    for (int r = 0; r < rows.length; r++) {
      for (int c = 0; c < cols; c++) {
        assertEquals(rows[r] * 10 + c, p[r * cols + c]);
      }
    }
    assertArrayEquals(w, SafetensorsExport.fromHalfSplit(p, heads, hd, cols));

    // rotating adjacent pairs then permuting = permuting then rotating halves
    Random rnd = new Random(1);
    float[] x = new float[hd];
    for (int i = 0; i < hd; i++) {
      x[i] = (float) rnd.nextGaussian();
    }
    double pos = 7;
    double[] adjacent = new double[hd];
    double[] halves = new double[hd];
    float[] xp = SafetensorsExport.toHalfSplit(x, 1, hd, 1);
    for (int i = 0; i < hd / 2; i++) {
      double a = pos * Math.pow(10000, -2.0 * i / hd);
      adjacent[2 * i] = x[2 * i] * Math.cos(a) - x[2 * i + 1] * Math.sin(a);
      adjacent[2 * i + 1] = x[2 * i] * Math.sin(a) + x[2 * i + 1] * Math.cos(a);
      halves[i] = xp[i] * Math.cos(a) - xp[i + hd / 2] * Math.sin(a);
      halves[i + hd / 2] = xp[i + hd / 2] * Math.cos(a) + xp[i] * Math.sin(a);
    }
    for (int i = 0; i < hd / 2; i++) {
      assertEquals(adjacent[2 * i], halves[i], 1e-12);
      assertEquals(adjacent[2 * i + 1], halves[i + hd / 2], 1e-12);
    }
  }

  @Test
  void bf16RoundsToNearestEven() {
    assertEquals((short) 0x3F80, SafetensorsExport.bf16(1.0f));
    assertEquals((short) 0xC000, SafetensorsExport.bf16(-2.0f));
    // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even (1.0)
    assertEquals((short) 0x3F80, SafetensorsExport.bf16(1.0f + 0x1p-8f));
    // 1 + 3*2^-8 is halfway between 1 + 2^-7 (odd) and 1 + 2^-6: up to even
    assertEquals((short) 0x3F82, SafetensorsExport.bf16(1.0f + 3 * 0x1p-8f));
    assertEquals((short) 0x3F81, SafetensorsExport.bf16(1.0f + 0x1p-8f + 0x1p-20f));
    assertTrue(Float.isNaN(Float.intBitsToFloat(SafetensorsExport.bf16(Float.NaN) << 16)));
  }

  @Test
  void refusesBadInput(@TempDir Path dir) {
    assertThrows(IllegalArgumentException.class, () -> SafetensorsExport.hfName("blk.0.wz"));
    assertThrows(IllegalArgumentException.class, () -> SafetensorsExport.hfName("output"));
    assertEquals("model.layers.12.post_attention_layernorm.weight", SafetensorsExport.hfName("blk.12.ffn_norm"));
    try (LlamaModel model = LlamaModel.create(CONFIG, manager)) {
      Map<String, float[]> w = model.weights();
      assertThrows(IllegalArgumentException.class,
          () -> SafetensorsExport.write(dir, CONFIG, w, DType.F32, 0, 263, null));
      w.get("norm")[3] = Float.NaN;
      assertThrows(IllegalArgumentException.class,
          () -> SafetensorsExport.write(dir, CONFIG, w, DType.F32, 0, 0, null));
      w.remove("norm");
      assertThrows(IllegalArgumentException.class,
          () -> SafetensorsExport.write(dir, CONFIG, w, DType.F32, 0, 0, null));
      assertFalse(Files.exists(dir.resolve("model.safetensors")));
    }
  }

  @Test
  void noTokenizerWhenNoneGiven(@TempDir Path dir) throws IOException {
    try (LlamaModel model = LlamaModel.create(CONFIG, manager)) {
      SafetensorsExport.Result r = SafetensorsExport.write(dir, model, DType.F32, 0, 0, null);
      assertNull(r.tokenizer());
      assertFalse(Files.exists(dir.resolve("tokenizer.json")));
    }
  }

  /**
   * The F32 file, read with Hugging Face's Llama conventions by {@link HfLlamaReference} (plain Java,
   * rotate_half rope), gives the DJL model's logits; the same file without the Q/K permutation does
   * not. The Python check below does the same with the {@code safetensors} library.
   */
  @Test
  void javaHuggingFaceForwardMatchesTheModel(@TempDir Path dir) throws IOException {
    int[] tokens = {260, 72, 101, 258, 111, 32, 261, 262, 104, 0, 255, 256, 17, 99, 3, 200};
    Map<String, float[]> w = sharpened();
    try (LlamaModel model = LlamaModel.fromWeights(CONFIG, manager, w)) {
      float[] expected = djlLogits(model, tokens);
      SafetensorsExport.write(dir.resolve("f32"), model, DType.F32, 262, 262, null);
      double f32 = maxDiff(expected, HfLlamaReference.logits(dir.resolve("f32"), tokens));
      SafetensorsExport.write(dir.resolve("noperm"), CONFIG, w, DType.F32, 262, 262, null, false);
      double noPerm = maxDiff(expected, HfLlamaReference.logits(dir.resolve("noperm"), tokens));
      System.out.printf("safetensors + HF-convention Java forward vs DJL: max |diff| F32 %.3g, "
          + "without the Q/K permutation %.3g%n", f32, noPerm);
      assertTrue(f32 < 1e-4, "F32 max |diff| " + f32);
      assertTrue(noPerm > 1e-2, "without the permutation the logits should differ, max |diff| " + noPerm);
    }
  }

  /** The initial weights with Q and K x8: 0.02 weights give nearly uniform attention, which hides position. */
  static Map<String, float[]> sharpened() {
    Map<String, float[]> w;
    try (LlamaModel init = LlamaModel.create(CONFIG, manager)) {
      w = init.weights();
    }
    for (Map.Entry<String, float[]> e : w.entrySet()) {
      if (e.getKey().endsWith(".wq") || e.getKey().endsWith(".wk")) {
        for (int i = 0; i < e.getValue().length; i++) {
          e.getValue()[i] *= 8;
        }
      }
    }
    return w;
  }

  static float[] djlLogits(LlamaModel model, int[] tokens) {
    long[] ids = new long[tokens.length];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = tokens[i];
    }
    try (NDArray in = manager.create(ids).reshape(1, tokens.length).toType(DataType.INT64, false);
        NDArray logits = model.forward(in)) {
      return logits.toFloatArray();
    }
  }

  /**
   * The file, loaded by the {@code safetensors} library and run through a numpy forward pass with
   * Hugging Face's conventions ({@code safetensors_check.py}), gives the DJL model's logits; the same
   * file without the Q/K permutation does not.
   */
  @Test
  void pythonHuggingFaceForwardMatchesTheModel(@TempDir Path dir) throws Exception {
    int[] tokens = {260, 72, 101, 258, 111, 32, 261, 262, 104, 0, 255, 256, 17, 99, 3, 200};
    Map<String, float[]> w = sharpened();
    try (LlamaModel model = LlamaModel.fromWeights(CONFIG, manager, w)) {
      float[] expected = djlLogits(model, tokens);
      double maxAbs = 0;
      for (float v : expected) {
        maxAbs = Math.max(maxAbs, Math.abs(v));
      }

      SafetensorsExport.write(dir.resolve("f32"), model, DType.F32, 262, 262, null);
      double f32 = maxDiff(expected, python(dir.resolve("f32"), tokens, dir.resolve("f32.json")));
      SafetensorsExport.write(dir.resolve("f16"), model, DType.F16, 262, 262, null);
      double f16 = maxDiff(expected, python(dir.resolve("f16"), tokens, dir.resolve("f16.json")));
      SafetensorsExport.write(dir.resolve("noperm"), CONFIG, w, DType.F32, 262, 262, null, false);
      double noPerm = maxDiff(expected, python(dir.resolve("noperm"), tokens, dir.resolve("noperm.json")));
      System.out.printf("safetensors + HF-convention numpy forward vs DJL: max |diff| F32 %.3g, F16 %.3g, "
          + "F32 without the Q/K permutation %.3g (max |logit| %.3g)%n", f32, f16, noPerm, maxAbs);
      assertTrue(maxAbs > 0.01, "logits are not trivially zero");
      assertTrue(f32 < 1e-4, "F32 max |diff| " + f32);
      assertTrue(noPerm > 1e-2, "without the permutation the logits should differ, max |diff| " + noPerm);
    }
  }

  static double maxDiff(float[] expected, float[] actual) {
    assertEquals(expected.length, actual.length);
    double m = 0;
    for (int i = 0; i < expected.length; i++) {
      m = Math.max(m, Math.abs(expected[i] - actual[i]));
    }
    return m;
  }

  static float[] python(Path modelDir, int[] tokens, Path out) throws Exception {
    StringBuilder ids = new StringBuilder();
    for (int t : tokens) {
      ids.append(ids.length() == 0 ? "" : ",").append(t);
    }
    Process p = new ProcessBuilder("python3", "src/test/python/safetensors_check.py", modelDir.toString(),
        "--tokens", ids.toString(), "--out", out.toString())
        .inheritIO()
        .start();
    assertTrue(p.waitFor(10, TimeUnit.MINUTES), "python timed out");
    assertEquals(0, p.exitValue(), "safetensors_check.py failed");
    JsonNode doc = JSON.readTree(out.toFile());
    assertEquals(tokens.length, doc.get("shape").get(0).asInt());
    assertEquals(CONFIG.vocabSize(), doc.get("shape").get(1).asInt());
    float[] v = new float[doc.get("logits").size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) doc.get("logits").get(i).asDouble();
    }
    return v;
  }
}
