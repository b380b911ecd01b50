package dev.pretrain.activities.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pretrain.activities.quantize.Fp16;
import dev.pretrain.activities.train.LlamaModel;
import dev.pretrain.activities.train.ModelConfig;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link LlamaModel} as a Hugging Face {@code LlamaForCausalLM} checkpoint: a
 * {@code model.safetensors} with Hugging Face's Llama tensor names, a {@code config.json}, and
 * optionally the run's {@code tokenizer.json} beside them.
 *
 * <p><b>The file.</b> safetensors is an 8-byte little-endian header length {@code N}, then {@code N}
 * bytes of UTF-8 JSON (here padded with spaces to a multiple of 8, so the data starts 8-aligned), then
 * the tensors' raw little-endian bytes. The header maps each tensor name to
 * {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets relative to the start of the data,
 * contiguous, in the order written) and {@code "__metadata__"} to string pairs; we write
 * {@code format = pt} (transformers refuses a file without a known format) and where it came from.
 *
 * <p><b>Names.</b> {@code tok_embeddings} to {@code model.embed_tokens.weight}, {@code norm} to
 * {@code model.norm.weight}, and per layer N {@code attention_norm, wq, wk, wv, wo, ffn_norm, w_gate,
 * w_up, w_down} to {@code model.layers.N.input_layernorm, self_attn.q_proj, k_proj, v_proj, o_proj,
 * post_attention_layernorm, mlp.gate_proj, up_proj, down_proj} (each with {@code .weight}). Matrices
 * are {@code [out, in]} in both (PyTorch's {@code nn.Linear} layout): no transposes. The head is tied
 * to the embedding: no {@code lm_head.weight}, and {@code tie_word_embeddings = true}.
 *
 * <p><b>Q/K permutation.</b> Our rotary embedding rotates adjacent pairs {@code (x[2i], x[2i+1])} of
 * each head by {@code t * theta^(-2i/hd)}; Hugging Face's Llama rotates {@code (x[i], x[i + hd/2])}
 * by the same angle ({@code rotate_half}). So the rows of {@code q_proj} and {@code k_proj} are
 * reordered within each head: Hugging Face row {@code i} is our row {@code 2i} and Hugging Face row
 * {@code hd/2 + i} is our row {@code 2i + 1} ({@link #toHalfSplit}). Q and K get the same
 * reordering, so every dot product {@code q.k} (and hence attention) is unchanged, and the
 * rotation pairs land where Hugging Face rotates them. Meta's reference checkpoints use our
 * adjacent-pair layout, so this is the same reordering Hugging Face's
 * {@code convert_llama_weights_to_hf} applies to them (rows {@code (head, pair, 2)} to
 * {@code (head, 2, pair)}), and the inverse of the one llama.cpp's {@code convert_hf_to_gguf.py}
 * applies on the way back.
 *
 * <p><b>Types.</b> {@link DType#F32}, {@link DType#F16} (IEEE half, round to nearest even) or
 * {@link DType#BF16} (the upper 16 bits of the float, round to nearest even); every tensor, norms
 * included, takes the one type, as transformers' {@code save_pretrained} does.
 */
public final class SafetensorsExport {

  public static final String WEIGHTS_FILE = "model.safetensors";
  public static final String CONFIG_FILE = "config.json";
  public static final String TOKENIZER_FILE = "tokenizer.json";

  /** A safetensors dtype and the {@code torch_dtype} config.json names for it. */
  public enum DType {
    F32(4, "float32"), F16(2, "float16"), BF16(2, "bfloat16");

    public final int bytes;
    public final String torchDtype;

    DType(int bytes, String torchDtype) {
      this.bytes = bytes;
      this.torchDtype = torchDtype;
    }

    /** Parses {@code f32, f16, bf16} (any case). */
    public static DType parse(String s) {
      for (DType t : values()) {
        if (t.name().equalsIgnoreCase(s)) {
          return t;
        }
      }
      throw new IllegalArgumentException("safetensors dtype must be one of f32, f16, bf16, got " + s);
    }
  }

  /** One tensor as written: Hugging Face name, our parameter name, shape, data offsets. */
  public record TensorInfo(String name, String parameter, long[] shape, long begin, long end) {}

  /** What was written: the files (tokenizer null when none), the weights file's size, the tensors. */
  public record Result(Path weights, Path config, Path tokenizer, long bytes, DType dtype, List<TensorInfo> tensors) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private SafetensorsExport() {}

  /**
   * Writes {@code model.safetensors}, {@code config.json} and (when {@code tokenizerJson} is not null)
   * {@code tokenizer.json} into {@code dir} (created if needed).
   */
  public static Result write(Path dir, LlamaModel model, DType dtype, int bosTokenId, int eosTokenId,
      byte[] tokenizerJson) throws IOException {
    return write(dir, model.config(), model.weights(), dtype, bosTokenId, eosTokenId, tokenizerJson);
  }

  /** As {@link #write(Path, LlamaModel, DType, int, int, byte[])}, from weights by our parameter names. */
  public static Result write(Path dir, ModelConfig config, Map<String, float[]> weights, DType dtype,
      int bosTokenId, int eosTokenId, byte[] tokenizerJson) throws IOException {
    return write(dir, config, weights, dtype, bosTokenId, eosTokenId, tokenizerJson, true);
  }

  /**
   * {@code permuteQk = false} writes Q and K in our adjacent-pair order: a wrong file, there only so a
   * test can show the permutation matters.
   */
  static Result write(Path dir, ModelConfig config, Map<String, float[]> weights, DType dtype,
      int bosTokenId, int eosTokenId, byte[] tokenizerJson, boolean permuteQk) throws IOException {
    Map<String, long[]> shapes = GgufExport.shapes(config);
    GgufExport.checkWeights(shapes, weights);
    if (bosTokenId < 0 || bosTokenId >= config.vocabSize() || eosTokenId < 0 || eosTokenId >= config.vocabSize()) {
      throw new IllegalArgumentException("bos " + bosTokenId + " / eos " + eosTokenId + " outside the vocabulary of "
          + config.vocabSize());
    }
    Files.createDirectories(dir);

    List<TensorInfo> infos = new ArrayList<>();
    Map<String, Object> header = new LinkedHashMap<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("format", "pt");
    metadata.put("source", "dev.pretrain LlamaModel");
    metadata.put("rope_layout", permuteQk ? "half-split (Hugging Face); Q/K rows permuted from adjacent pairs"
        : "adjacent pairs (not Hugging Face's layout; test only)");
    header.put("__metadata__", metadata);
    long offset = 0;
    for (Map.Entry<String, long[]> e : shapes.entrySet()) {
      long[] shape = e.getValue();
      long size = 1;
      for (long s : shape) {
        size *= s;
      }
      long end = offset + size * dtype.bytes;
      String name = hfName(e.getKey());
      Map<String, Object> t = new LinkedHashMap<>();
      t.put("dtype", dtype.name());
      t.put("shape", shape);
      t.put("data_offsets", new long[] {offset, end});
      header.put(name, t);
      infos.add(new TensorInfo(name, e.getKey(), shape.clone(), offset, end));
      offset = end;
    }
    byte[] json = JSON.writeValueAsBytes(header);
    int padded = (json.length + 7) / 8 * 8;
    byte[] headerBytes = new byte[padded];
    System.arraycopy(json, 0, headerBytes, 0, json.length);
    for (int i = json.length; i < padded; i++) {
      headerBytes[i] = ' ';
    }

    Path file = dir.resolve(WEIGHTS_FILE);
    Path tmp = dir.resolve(WEIGHTS_FILE + ".tmp");
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
      out.write(len.array());
      out.write(headerBytes);
      for (TensorInfo t : infos) {
        float[] w = weights.get(t.parameter());
        if (permuteQk && (t.parameter().endsWith(".wq") || t.parameter().endsWith(".wk"))) {
          w = toHalfSplit(w, config.heads(), config.headDim(), config.dModel());
        }
        writeData(out, w, dtype);
      }
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    long bytes = Files.size(tmp);
    if (bytes != 8 + padded + offset) {
      Files.deleteIfExists(tmp);
      throw new IllegalStateException("wrote " + bytes + " bytes, expected " + (8 + padded + offset));
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

    Path configFile = dir.resolve(CONFIG_FILE);
    Files.write(configFile, JSON.writer().with(SerializationFeature.INDENT_OUTPUT)
        .writeValueAsBytes(configJson(config, dtype, bosTokenId, eosTokenId)));
    Path tokenizer = null;
    if (tokenizerJson != null) {
      tokenizer = dir.resolve(TOKENIZER_FILE);
      Files.write(tokenizer, tokenizerJson);
    }
    return new Result(file, configFile, tokenizer, bytes, dtype, List.copyOf(infos));
  }

  /** The {@code config.json} of a {@code LlamaForCausalLM} shaped like {@code config}. */
  public static Map<String, Object> configJson(ModelConfig config, DType dtype, int bosTokenId, int eosTokenId) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("architectures", List.of("LlamaForCausalLM"));
    c.put("model_type", "llama");
    c.put("vocab_size", config.vocabSize());
    c.put("hidden_size", config.dModel());
    c.put("intermediate_size", config.ffnHidden());
    c.put("num_hidden_layers", config.layers());
    c.put("num_attention_heads", config.heads());
    c.put("num_key_value_heads", config.heads());
    c.put("head_dim", config.headDim());
    c.put("hidden_act", "silu");
    c.put("max_position_embeddings", config.contextLength());
    c.put("rms_norm_eps", (double) ModelConfig.RMS_EPS);
    c.put("rope_theta", config.ropeTheta());
    c.put("rope_scaling", null);
    c.put("attention_bias", false);
    c.put("attention_dropout", 0.0);
    c.put("mlp_bias", false);
    c.put("pretraining_tp", 1);
    c.put("initializer_range", 0.02);
    c.put("tie_word_embeddings", true);
    c.put("bos_token_id", bosTokenId);
    c.put("eos_token_id", eosTokenId);
    c.put("use_cache", true);
    c.put("torch_dtype", dtype.torchDtype);
    return c;
  }

  /** Hugging Face's Llama tensor name for one of our parameter names. */
  public static String hfName(String parameter) {
    switch (parameter) {
      case "tok_embeddings":
        return "model.embed_tokens.weight";
      case "norm":
        return "model.norm.weight";
      default:
        break;
    }
    if (parameter.startsWith("blk.")) {
      int dot = parameter.indexOf('.', 4);
      if (dot > 4) {
        String layer = parameter.substring(4, dot);
        String suffix = switch (parameter.substring(dot + 1)) {
          case "attention_norm" -> "input_layernorm";
          case "wq" -> "self_attn.q_proj";
          case "wk" -> "self_attn.k_proj";
          case "wv" -> "self_attn.v_proj";
          case "wo" -> "self_attn.o_proj";
          case "ffn_norm" -> "post_attention_layernorm";
          case "w_gate" -> "mlp.gate_proj";
          case "w_up" -> "mlp.up_proj";
          case "w_down" -> "mlp.down_proj";
          default -> null;
        };
        if (suffix != null) {
          return "model.layers." + layer + "." + suffix + ".weight";
        }
      }
    }
    throw new IllegalArgumentException("no Hugging Face name for parameter " + parameter);
  }

  /**
   * Reorders the rows of a Q or K matrix ({@code [heads * headDim, cols]}, row-major) from our
   * adjacent-pair rotary layout to Hugging Face's half-split one: within each head, output row
   * {@code i < headDim/2} is input row {@code 2i}, output row {@code headDim/2 + i} is input row
   * {@code 2i + 1}.
   */
  public static float[] toHalfSplit(float[] w, int heads, int headDim, int cols) {
    if (headDim % 2 != 0 || w.length != (long) heads * headDim * cols) {
      throw new IllegalArgumentException("expected " + heads + " x " + headDim + " rows of " + cols + ", got "
          + w.length + " values");
    }
    int half = headDim / 2;
    float[] out = new float[w.length];
    for (int h = 0; h < heads; h++) {
      for (int j = 0; j < headDim; j++) {
        int src = h * headDim + (j < half ? 2 * j : 2 * (j - half) + 1);
        System.arraycopy(w, src * cols, out, (h * headDim + j) * cols, cols);
      }
    }
    return out;
  }

  /** The inverse of {@link #toHalfSplit}. */
  public static float[] fromHalfSplit(float[] w, int heads, int headDim, int cols) {
    if (headDim % 2 != 0 || w.length != (long) heads * headDim * cols) {
      throw new IllegalArgumentException("expected " + heads + " x " + headDim + " rows of " + cols + ", got "
          + w.length + " values");
    }
    int half = headDim / 2;
    float[] out = new float[w.length];
    for (int h = 0; h < heads; h++) {
      for (int j = 0; j < headDim; j++) {
        int src = h * headDim + (j < half ? 2 * j : 2 * (j - half) + 1);
        System.arraycopy(w, (h * headDim + j) * cols, out, src * cols, cols);
      }
    }
    return out;
  }

  /** bfloat16 bits of {@code f}: round to nearest, ties to even; NaN stays a (quiet) NaN. */
  public static short bf16(float f) {
    int bits = Float.floatToRawIntBits(f);
    if (Float.isNaN(f)) {
      return (short) ((bits >>> 16) | 0x40);
    }
    return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
  }

  private static void writeData(OutputStream out, float[] w, DType dtype) throws IOException {
    int chunk = 4096;
    ByteBuffer b = ByteBuffer.allocate(chunk * dtype.bytes).order(ByteOrder.LITTLE_ENDIAN);
    for (int start = 0; start < w.length; start += chunk) {
      int n = Math.min(chunk, w.length - start);
      b.clear();
      for (int i = start; i < start + n; i++) {
        switch (dtype) {
          case F32 -> b.putFloat(w[i]);
          case F16 -> b.putShort(Fp16.fromFloat(w[i]));
          case BF16 -> b.putShort(bf16(w[i]));
          default -> throw new IllegalStateException("dtype " + dtype);
        }
      }
      out.write(b.array(), 0, n * dtype.bytes);
    }
  }


}
