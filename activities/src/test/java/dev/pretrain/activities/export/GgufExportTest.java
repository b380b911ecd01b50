package dev.pretrain.activities.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.pretrain.activities.export.GgufExport.FileType;
import dev.pretrain.activities.export.GgufWriter.TensorType;
import dev.pretrain.activities.quantize.Fp16;
import dev.pretrain.activities.quantize.Q4_0;
import dev.pretrain.activities.quantize.Q8_0;
import dev.pretrain.activities.train.LlamaModel;
import dev.pretrain.activities.train.ModelConfig;
import dev.pretrain.activities.train.TestData;
import dev.pretrain.batch.tokenize.bpe.BpeVocabulary;
import dev.pretrain.batch.tokenize.bpe.BpeVocabulary.Merge;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exports a tiny model in every type and reads the files back with {@link GgufTestReader}: metadata,
 * tokenizer, tensor names, types, shapes and data. With {@code -Dgguf.check.dir=DIR} the files are
 * also written there for {@code activities/src/test/python/gguf_read_check.py} (gguf-py's reader).
 */
class GgufExportTest {

  /** 256 bytes, 6 merges, one special token: 263 ids. */
  static final BpeVocabulary VOCAB = new BpeVocabulary(List.of(
      new Merge('h', 'e'), // 256 "he"
      new Merge('l', 'l'), // 257 "ll"
      new Merge(256, 257), // 258 "hell"
      new Merge(' ', 'w'), // 259 "Ġw"
      new Merge('o', 'r'), // 260 "or"
      new Merge(259, 260)), // 261 "Ġwor"
      List.of("<|endoftext|>"));
  // rows of 64 (d) and 96 (ffn): every matrix is whole blocks of 32
  static final ModelConfig CONFIG = new ModelConfig(VOCAB.size(), 32, 64, 2, 4, 96, 10000, 5);

  static NDManager manager;

  @BeforeAll
  static void setUp() {
    manager = TestData.djl().newBaseManager();
  }

  @AfterAll
  static void tearDown() {
    manager.close();
  }

  @Test
  void everyTypeReadsBackWithLlamaCppNamesAndMetadata(@TempDir Path dir) throws IOException {
    Path out = checkDir().orElse(dir);
    try (LlamaModel model = LlamaModel.create(CONFIG, manager)) {
      Map<String, float[]> w = model.weights();
      for (FileType type : FileType.values()) {
        Path file = out.resolve("tiny-" + type.name().toLowerCase() + ".gguf");
        GgufExport.Result result = GgufExport.write(file, model, VOCAB, type, "tiny");
        assertEquals(Files.size(file), result.bytes());
        assertTrue(result.fallbacks().isEmpty());
        GgufTestReader r = new GgufTestReader(file);
        assertEquals(3, r.version);
        checkMetadata(r, type, CONFIG);
        checkTensors(r, w, type);
      }
    }
  }

  /**
   * The F32 file, read with llama.cpp's conventions (ne[0] = row length, {@code y = W x} per row,
   * rope on adjacent pairs, tied output), gives the model's own logits: names, layouts and the rope
   * convention agree with what llama.cpp computes.
   */
  @Test
  void f32FileComputesTheModelsLogits(@TempDir Path dir) throws IOException {
    int[] tokens = {260, 72, 101, 258, 111, 32, 261, 262, 104, 0, 255, 256};
    // sharpen attention (the initial 0.02 weights give nearly uniform attention, which hides
    // position handling): Q and K weights x8
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
    try (LlamaModel model = LlamaModel.fromWeights(CONFIG, manager, w)) {
      Path file = dir.resolve("tiny-f32.gguf");
      GgufExport.write(file, model, VOCAB, FileType.F32, "tiny");
      float[] expected;
      long[] ids = new long[tokens.length];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = tokens[i];
      }
      try (NDArray in = manager.create(ids).reshape(1, tokens.length).toType(DataType.INT64, false);
          NDArray logits = model.forward(in)) {
        expected = logits.toFloatArray();
      }
      float[] actual = LlamaCppReference.logits(new GgufTestReader(file), tokens);
      assertEquals(expected.length, actual.length);
      double maxErr = 0;
      double maxAbs = 0;
      for (int i = 0; i < expected.length; i++) {
        maxErr = Math.max(maxErr, Math.abs(expected[i] - actual[i]));
        maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
      }
      System.out.printf("logits from the GGUF file vs the model: max |diff| %.3g (max |logit| %.3g)%n", maxErr, maxAbs);
      assertTrue(maxAbs > 0.01, "logits are not trivially zero");
      assertTrue(maxErr < 1e-4, "max |diff| " + maxErr);
    }
  }

  @Test
  void asStoredGivesTheWeightsEachFileHolds() {
    try (LlamaModel model = LlamaModel.create(CONFIG, manager)) {
      Map<String, float[]> w = model.weights();
      assertArrayEquals(w.get("blk.0.wq"), GgufExport.asStored(CONFIG, w, GgufExport.FileType.F32).get("blk.0.wq"));
      Map<String, float[]> q4 = GgufExport.asStored(CONFIG, w, GgufExport.FileType.Q4_0);
      float[] wq = w.get("blk.0.wq");
      int row = CONFIG.dModel();
      for (int off = 0; off < wq.length; off += row) {
        float[] one = java.util.Arrays.copyOfRange(wq, off, off + row);
        assertArrayEquals(dev.pretrain.activities.quantize.Q4_0.dequantize(
            dev.pretrain.activities.quantize.Q4_0.quantize(one), row), java.util.Arrays.copyOfRange(q4.get("blk.0.wq"),
            off, off + row), "row-wise Q4_0 round trip at " + off);
      }
      assertArrayEquals(w.get("norm"), q4.get("norm"), "norms stay F32");
      float[] h = GgufExport.asStored(CONFIG, w, GgufExport.FileType.F16).get("tok_embeddings");
      assertEquals(dev.pretrain.activities.quantize.Fp16.toFloat(dev.pretrain.activities.quantize.Fp16.fromFloat(
          w.get("tok_embeddings")[7])), h[7]);
    }
  }

  @Test
  void rowsThatAreNotWholeBlocksStayF16(@TempDir Path dir) throws IOException {
    // ffn 80: w_down's rows (80 values) cannot be Q4_0/Q8_0; w_gate and w_up have rows of 64
    ModelConfig c = new ModelConfig(VOCAB.size(), 32, 64, 1, 4, 80, 10000, 6);
    Path out = checkDir().orElse(dir);
    try (LlamaModel model = LlamaModel.create(c, manager)) {
      Map<String, float[]> w = model.weights();
      for (FileType type : new FileType[] {FileType.F32, FileType.Q4_0, FileType.Q8_0}) {
        Path file = out.resolve("tiny-ffn80-" + type.name().toLowerCase() + ".gguf");
        GgufExport.Result result = GgufExport.write(file, model, VOCAB, type, "tiny-ffn80");
        GgufTestReader r = new GgufTestReader(file);
        checkMetadata(r, type, c);
        checkTensors(r, w, type);
        if (type == FileType.F32) {
          assertTrue(result.fallbacks().isEmpty());
          continue;
        }
        assertEquals(List.of("blk.0.ffn_down.weight"), result.fallbacks().stream().map(GgufExport.TensorInfo::name)
            .toList());
        assertEquals(1, r.tensor("blk.0.ffn_down.weight").type());
        assertEquals(type.matrixType.id, r.tensor("blk.0.ffn_gate.weight").type());
      }
    }
  }

  @Test
  void extraModelIdsArePaddedAsUnusedTokens(@TempDir Path dir) throws IOException {
    ModelConfig c = new ModelConfig(VOCAB.size() + 3, 8, 32, 1, 2, 64, 10000, 1);
    Path file = dir.resolve("padded.gguf");
    GgufExport.write(file, c, weights(c), VOCAB, FileType.Q8_0, "padded");
    GgufTestReader r = new GgufTestReader(file);
    checkMetadata(r, FileType.Q8_0, c);
    @SuppressWarnings("unchecked")
    List<String> tokens = (List<String>) r.metadata.get("tokenizer.ggml.tokens");
    assertEquals(List.of("[PAD263]", "[PAD264]", "[PAD265]"), tokens.subList(263, 266));
    assertEquals(List.of(5, 5, 5), ((List<?>) r.metadata.get("tokenizer.ggml.token_type")).subList(263, 266));
    assertArrayEquals(new long[] {32, 266}, r.tensor("token_embd.weight").ne());
  }

  @Test
  void refusesWhatWouldNotLoad(@TempDir Path dir) {
    Path file = dir.resolve("x.gguf");
    ModelConfig small = new ModelConfig(VOCAB.size() - 1, 8, 32, 1, 2, 64, 10000, 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> GgufExport.write(file, small, weights(small), VOCAB, FileType.F16, "x"));
    assertTrue(e.getMessage().contains("the model only"), e.getMessage());

    Map<String, float[]> nan = weights(CONFIG);
    nan.get("blk.1.wk")[17] = Float.NaN;
    e = assertThrows(IllegalArgumentException.class,
        () -> GgufExport.write(file, CONFIG, nan, VOCAB, FileType.Q4_0, "x"));
    assertTrue(e.getMessage().contains("blk.1.wk[17]"), e.getMessage());

    BpeVocabulary noEot = new BpeVocabulary(VOCAB.merges(), List.of("<|pad|>"));
    e = assertThrows(IllegalArgumentException.class,
        () -> GgufExport.write(file, CONFIG, weights(CONFIG), noEot, FileType.F32, "x"));
    assertTrue(e.getMessage().contains("<|endoftext|>"), e.getMessage());

    Map<String, float[]> missing = weights(CONFIG);
    missing.remove("norm");
    assertThrows(IllegalArgumentException.class,
        () -> GgufExport.write(file, CONFIG, missing, VOCAB, FileType.F32, "x"));
    assertFalse(Files.exists(file));
  }

  @Test
  void namesAndFileTypes() {
    assertEquals("token_embd.weight", GgufExport.ggufName("tok_embeddings"));
    assertEquals("output_norm.weight", GgufExport.ggufName("norm"));
    assertEquals("blk.11.attn_output.weight", GgufExport.ggufName("blk.11.wo"));
    assertEquals("blk.0.ffn_down.weight", GgufExport.ggufName("blk.0.w_down"));
    assertThrows(IllegalArgumentException.class, () -> GgufExport.ggufName("blk.0.bias"));
    assertEquals(FileType.Q4_0, FileType.parse("q4_0"));
    assertEquals(7, FileType.Q8_0.id); // LLAMA_FTYPE_MOSTLY_Q8_0, not the tensor type 8
    assertEquals(2, FileType.Q4_0.id);
  }

  private static void checkMetadata(GgufTestReader r, FileType type, ModelConfig c) {
    Map<String, Object> m = r.metadata;
    assertEquals("llama", m.get("general.architecture"));
    assertEquals("general.architecture", m.keySet().iterator().next());
    assertEquals((long) type.id, m.get("general.file_type"));
    assertEquals(2L, m.get("general.quantization_version"));
    assertEquals((long) c.dModel(), m.get("llama.embedding_length"));
    assertEquals((long) c.heads(), m.get("llama.attention.head_count"));
    assertEquals((long) c.heads(), m.get("llama.attention.head_count_kv"));
    assertEquals((long) c.headDim(), m.get("llama.rope.dimension_count"));
    assertEquals(1e-5f, m.get("llama.attention.layer_norm_rms_epsilon"));
    assertEquals(10000f, m.get("llama.rope.freq_base"));
    assertEquals((long) c.vocabSize(), m.get("llama.vocab_size"));
    assertEquals((long) c.contextLength(), m.get("llama.context_length"));
    assertEquals((long) c.layers(), m.get("llama.block_count"));
    assertEquals((long) c.ffnHidden(), m.get("llama.feed_forward_length"));
    for (String k : List.of("llama.context_length", "llama.block_count", "llama.feed_forward_length")) {
      assertTrue(m.get(k) instanceof Long, k);
      assertEquals(4, r.valueTypes.get(k), k + " is uint32");
    }
    assertEquals("gpt2", m.get("tokenizer.ggml.model"));
    assertEquals("llama-bpe", m.get("tokenizer.ggml.pre"));
    @SuppressWarnings("unchecked")
    List<String> tokens = (List<String>) m.get("tokenizer.ggml.tokens");
    assertEquals(c.vocabSize(), tokens.size());
    assertEquals(VOCAB.tokenStrings(), tokens.subList(0, VOCAB.size()));
    assertEquals("Ġ", tokens.get(' '));
    assertEquals("Ġwor", tokens.get(261));
    assertEquals("<|endoftext|>", tokens.get(262));
    List<?> types = (List<?>) m.get("tokenizer.ggml.token_type");
    assertEquals(9, r.valueTypes.get("tokenizer.ggml.token_type"));
    assertTrue(types.stream().allMatch(x -> x instanceof Integer), "token types are INT32");
    assertEquals(1, types.get(0));
    assertEquals(1, types.get(261));
    assertEquals(3, types.get(262));
    assertEquals(List.of("h e", "l l", "he ll", "Ġ w", "o r", "Ġw or"), m.get("tokenizer.ggml.merges"));
    assertEquals(262L, m.get("tokenizer.ggml.bos_token_id"));
    assertEquals(262L, m.get("tokenizer.ggml.eos_token_id"));
    assertEquals(false, m.get("tokenizer.ggml.add_bos_token"));
    assertEquals(false, m.get("tokenizer.ggml.add_eos_token"));
  }

  /** Names, order, types, ne, and data: F32 exact, F16 = fp16 of each value, Q = our quantizer's bytes. */
  private static void checkTensors(GgufTestReader r, Map<String, float[]> w, FileType type) {
    int layers = (int) (long) (Long) r.metadata.get("llama.block_count");
    List<String> expected = new ArrayList<>();
    expected.add("token_embd.weight");
    for (int i = 0; i < layers; i++) {
      for (String s : List.of("attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_up",
          "ffn_down")) {
        expected.add("blk." + i + "." + s + ".weight");
      }
    }
    expected.add("output_norm.weight");
    assertEquals(expected, r.tensors.stream().map(GgufTestReader.TensorInfo::name).toList());
    Map<String, String> ours = new HashMap<>();
    for (String p : w.keySet()) {
      ours.put(GgufExport.ggufName(p), p);
    }
    long next = 0;
    for (GgufTestReader.TensorInfo t : r.tensors) {
      assertEquals(next, t.offset(), t.name());
      long n = GgufTestReader.nbytes(t);
      next += (n + 31) / 32 * 32;
      float[] v = w.get(ours.get(t.name()));
      assertEquals(v.length, t.count(), t.name());
      byte[] data = r.data(t, n);
      int cols = (int) t.ne()[0];
      if (t.ne().length == 1) {
        assertEquals(0, t.type(), t.name() + " is F32");
      } else {
        int expectedType = cols % type.matrixType.blockSize == 0 ? type.matrixType.id : TensorType.F16.id;
        assertEquals(expectedType, t.type(), t.name());
      }
      switch (t.type()) {
        case 0 -> {
          float[] back = new float[v.length];
          ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(back);
          assertArrayEquals(v, back, t.name());
        }
        case 1 -> {
          for (int i = 0; i < v.length; i++) {
            short h = (short) ((data[2 * i] & 0xFF) | (data[2 * i + 1] << 8));
            assertEquals(Fp16.fromFloat(v[i]), h, t.name() + "[" + i + "]");
          }
        }
        case 8 -> {
          int rowBytes = (int) Q8_0.bytes(cols);
          byte[] row = new byte[rowBytes];
          for (int i = 0; i < v.length / cols; i++) {
            Q8_0.quantize(v, i * cols, cols, row, 0);
            assertArrayEquals(row, java.util.Arrays.copyOfRange(data, i * rowBytes, (i + 1) * rowBytes), t.name());
          }
        }
        case 2 -> {
          int rowBytes = (int) Q4_0.bytes(cols);
          byte[] row = new byte[rowBytes];
          for (int i = 0; i < v.length / cols; i++) {
            Q4_0.quantize(v, i * cols, cols, row, 0);
            assertArrayEquals(row, java.util.Arrays.copyOfRange(data, i * rowBytes, (i + 1) * rowBytes), t.name());
          }
        }
        default -> throw new AssertionError(t.name() + " type " + t.type());
      }
    }
    assertEquals(r.dataStart + next, r.fileSize);
  }

  /** Deterministic weights for a config, without DJL. */
  static Map<String, float[]> weights(ModelConfig c) {
    Map<String, float[]> out = new java.util.LinkedHashMap<>();
    Random rnd = new Random(c.seed());
    for (Map.Entry<String, long[]> e : GgufExport.shapes(c).entrySet()) {
      long n = 1;
      for (long d : e.getValue()) {
        n *= d;
      }
      float[] v = new float[(int) n];
      for (int i = 0; i < v.length; i++) {
        v[i] = e.getValue().length == 1 ? 1 + 0.1f * (float) rnd.nextGaussian() : 0.02f * (float) rnd.nextGaussian();
      }
      out.put(e.getKey(), v);
    }
    return out;
  }

  private static java.util.Optional<Path> checkDir() throws IOException {
    String d = System.getProperty("gguf.check.dir");
    if (d == null || d.isBlank()) {
      return java.util.Optional.empty();
    }
    Path p = Path.of(d).toAbsolutePath();
    Files.createDirectories(p);
    return java.util.Optional.of(p);
  }
}
