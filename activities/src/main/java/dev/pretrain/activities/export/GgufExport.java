package dev.pretrain.activities.export;

import dev.pretrain.activities.export.GgufWriter.TensorType;
import dev.pretrain.activities.quantize.Fp16;
import dev.pretrain.activities.quantize.Q4_0;
import dev.pretrain.activities.quantize.Q8_0;
import dev.pretrain.activities.train.LlamaModel;
import dev.pretrain.activities.train.ModelConfig;
import dev.pretrain.batch.tokenize.bpe.BpeVocabulary;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a {@link LlamaModel} and its {@link BpeVocabulary} as a GGUF file of llama.cpp's
 * {@code llama} architecture, with the tokenizer inside, so llama.cpp (and what wraps it) can load
 * it without anything else.
 *
 * <p><b>Tensors.</b> Our parameter names map to llama.cpp's: {@code tok_embeddings} to
 * {@code token_embd.weight}, {@code norm} to {@code output_norm.weight}, and per layer N
 * {@code attention_norm, wq, wk, wv, wo, ffn_norm, w_gate, w_up, w_down} to
 * {@code blk.N.attn_norm, attn_q, attn_k, attn_v, attn_output, ffn_norm, ffn_gate, ffn_up, ffn_down}
 * (each with {@code .weight}). Our matrices are {@code [out, in]} row-major, which is ggml's
 * {@code ne = [in, out]}: no transposes. There is no {@code output.weight}: the head is tied to the
 * embedding, and llama.cpp's llama loader uses {@code token_embd} as the output when
 * {@code output.weight} is absent. Q and K need no permutation: our rotary embedding rotates adjacent
 * pairs {@code (x[2i], x[2i+1])} by {@code t * theta^(-2i/hd)}, which is ggml's normal rope mode, the
 * one the llama architecture uses (the permutation in llama.cpp's Hugging Face converter undoes the
 * half-split layout of Hugging Face checkpoints, which we do not have).
 *
 * <p><b>Types.</b> The 1-D norm weights are always F32. The 2-D matrices take the file type's type
 * ({@link FileType}); a matrix whose rows (its {@code in} size) are not a multiple of 32 cannot be
 * Q8_0 or Q4_0 in GGUF and is written as F16 instead (what llama.cpp's converter does with tensors
 * it cannot quantize). {@link Result#tensors} says what each tensor became.
 *
 * <p><b>Metadata.</b> {@code general.*} (architecture, name, file_type, quantization_version),
 * {@code llama.*} hyperparameters (context and embedding length, block count, feed-forward length,
 * head counts with K/V heads = heads, rope dimension count = head dim and freq base, RMSNorm epsilon,
 * vocab size), and the tokenizer as {@code tokenizer.ggml.*}: model {@code gpt2} (byte-level BPE),
 * pre-tokenizer {@code llama-bpe} (llama.cpp's name for the cl100k split we use; it also makes
 * llama.cpp keep a pre-token that is itself a token whole, as our encoder does), the tokens as
 * GPT-2 byte-level strings in id order with special tokens as their text, token types (1 normal,
 * 3 control for special tokens, 5 unused for padding ids), the merges as {@code "left right"} in rank
 * order, BOS = EOS = {@code <|endoftext|>}, and {@code add_bos_token = add_eos_token = false} (our
 * documents are separated by {@code <|endoftext|>} after each one; nothing is prepended).
 *
 * <p>When the model has more ids than the vocabulary (a vocabulary size rounded up for the model), the
 * extra ids are written as unused tokens {@code [PAD<id>]}, since llama.cpp needs one token per
 * embedding row; a vocabulary larger than the model is refused.
 */
public final class GgufExport {

  public static final String ARCHITECTURE = "llama";
  public static final String END_OF_TEXT = "<|endoftext|>";
  /** ggml's GGML_QNT_VERSION, written as general.quantization_version. */
  public static final int QUANTIZATION_VERSION = 2;
  static final int TOKEN_NORMAL = 1;
  static final int TOKEN_CONTROL = 3;
  static final int TOKEN_UNUSED = 5;

  /** What the file is "mostly" (llama.cpp's {@code general.file_type}) and the type of its matrices. */
  public enum FileType {
    F32(0, TensorType.F32), F16(1, TensorType.F16), Q4_0(2, TensorType.Q4_0), Q8_0(7, TensorType.Q8_0);

    /** llama.cpp's LLAMA_FTYPE value (MOSTLY_Q8_0 is 7 although the Q8_0 tensor type is 8). */
    public final int id;
    public final TensorType matrixType;

    FileType(int id, TensorType matrixType) {
      this.id = id;
      this.matrixType = matrixType;
    }

    /** Parses {@code f32, f16, q8_0, q4_0} (any case). */
    public static FileType parse(String s) {
      for (FileType t : values()) {
        if (t.name().equalsIgnoreCase(s)) {
          return t;
        }
      }
      throw new IllegalArgumentException("GGUF type must be one of f32, f16, q8_0, q4_0, got " + s);
    }
  }

  /** One tensor as written: its GGUF name, our parameter name, type and shape (outermost first). */
  public record TensorInfo(String name, String parameter, TensorType type, long[] shape) {}

  public record Result(Path file, long bytes, FileType type, List<TensorInfo> tensors) {
    /** Tensors that could not take the file's matrix type (rows not whole blocks) and went to F16. */
    public List<TensorInfo> fallbacks() {
      return tensors.stream()
          .filter(t -> t.shape().length == 2 && t.type() != type.matrixType)
          .toList();
    }
  }

  private GgufExport() {}

  public static Result write(Path file, LlamaModel model, BpeVocabulary vocabulary, FileType type, String name)
      throws IOException {
    return write(file, model.config(), model.weights(), vocabulary, type, name);
  }

  /**
   * Writes {@code weights} (by our parameter names, row-major, as {@link LlamaModel#weights()} gives
   * them) of a model shaped by {@code config}.
   *
   * @param name {@code general.name}
   */
  public static Result write(Path file, ModelConfig config, Map<String, float[]> weights, BpeVocabulary vocabulary,
      FileType type, String name) throws IOException {
    Map<String, long[]> shapes = shapes(config);
    checkWeights(shapes, weights);

    GgufWriter g = new GgufWriter();
    g.putString("general.architecture", ARCHITECTURE);
    g.putString("general.name", name);
    g.putUint32("general.file_type", type.id);
    g.putUint32("general.quantization_version", QUANTIZATION_VERSION);
    g.putUint32("llama.context_length", config.contextLength());
    g.putUint32("llama.embedding_length", config.dModel());
    g.putUint32("llama.block_count", config.layers());
    g.putUint32("llama.feed_forward_length", config.ffnHidden());
    g.putUint32("llama.rope.dimension_count", config.headDim());
    g.putUint32("llama.attention.head_count", config.heads());
    g.putUint32("llama.attention.head_count_kv", config.heads());
    g.putFloat32("llama.attention.layer_norm_rms_epsilon", ModelConfig.RMS_EPS);
    g.putFloat32("llama.rope.freq_base", (float) config.ropeTheta());
    g.putUint32("llama.vocab_size", config.vocabSize());
    putTokenizer(g, vocabulary, config.vocabSize());

    List<TensorInfo> infos = new ArrayList<>();
    for (Map.Entry<String, long[]> e : shapes.entrySet()) {
      long[] shape = e.getValue();
      float[] w = weights.get(e.getKey());
      TensorType t = tensorType(type, shape);
      String ggufName = ggufName(e.getKey());
      g.addTensor(ggufName, t, shape, out -> writeData(out, w, t, shape[shape.length - 1]));
      infos.add(new TensorInfo(ggufName, e.getKey(), t, shape.clone()));
    }
    long bytes = g.write(file);
    return new Result(file, bytes, type, List.copyOf(infos));
  }

  /** The tensor type of a parameter of this shape in a file of type {@code type}. */
  /**
   * Every weight the shapes name is there, of the right size and finite, and there is no other.
   *
   * @throws IllegalArgumentException naming the weight
   */
  static void checkWeights(Map<String, long[]> shapes, Map<String, float[]> weights) {
    for (Map.Entry<String, long[]> e : shapes.entrySet()) {
      float[] w = weights.get(e.getKey());
      long size = 1;
      for (long d : e.getValue()) {
        size *= d;
      }
      if (w == null || w.length != size) {
        throw new IllegalArgumentException("weights for " + e.getKey() + ": expected " + size + " values, got "
            + (w == null ? "none" : w.length));
      }
      for (int i = 0; i < w.length; i++) {
        if (!Float.isFinite(w[i])) {
          throw new IllegalArgumentException(e.getKey() + "[" + i + "] is " + w[i] + ": the model is not finite");
        }
      }
    }
    if (weights.size() != shapes.size()) {
      Set<String> extra = new HashSet<>(weights.keySet());
      extra.removeAll(shapes.keySet());
      throw new IllegalArgumentException("weights the model config does not have: " + extra);
    }
  }

  /**
   * The weights as a file of {@code type} holds them, restored to floats: F16 values rounded to fp16,
   * Q8_0/Q4_0 matrices quantized and dequantized row by row (norms and rows that are not whole blocks as
   * {@link #tensorType} says). A model built from them computes what a runtime computes from the file.
   */
  public static Map<String, float[]> asStored(ModelConfig config, Map<String, float[]> weights, FileType type) {
    Map<String, long[]> shapes = shapes(config);
    checkWeights(shapes, weights);
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : shapes.entrySet()) {
      float[] w = weights.get(e.getKey());
      long[] shape = e.getValue();
      TensorType t = tensorType(type, shape);
      int row = (int) shape[shape.length - 1];
      float[] r = new float[w.length];
      for (int off = 0; off < w.length; off += row) {
        switch (t) {
          case F32 -> System.arraycopy(w, off, r, off, row);
          case F16 -> {
            for (int i = off; i < off + row; i++) {
              r[i] = Fp16.toFloat(Fp16.fromFloat(w[i]));
            }
          }
          case Q8_0 -> {
            byte[] q = new byte[Math.toIntExact(Q8_0.bytes(row))];
            Q8_0.quantize(w, off, row, q, 0);
            Q8_0.dequantize(q, 0, row, r, off);
          }
          case Q4_0 -> {
            byte[] q = new byte[Math.toIntExact(Q4_0.bytes(row))];
            Q4_0.quantize(w, off, row, q, 0);
            Q4_0.dequantize(q, 0, row, r, off);
          }
          default -> throw new IllegalStateException("no " + t);
        }
      }
      out.put(e.getKey(), r);
    }
    return out;
  }

  public static TensorType tensorType(FileType type, long[] shape) {
    if (shape.length < 2) {
      return TensorType.F32;
    }
    TensorType t = type.matrixType;
    if (shape[shape.length - 1] % t.blockSize != 0) {
      return TensorType.F16;
    }
    return t;
  }

  /** llama.cpp's tensor name for one of our parameter names. */
  public static String ggufName(String parameter) {
    switch (parameter) {
      case "tok_embeddings":
        return "token_embd.weight";
      case "norm":
        return "output_norm.weight";
      default:
        break;
    }
    if (parameter.startsWith("blk.")) {
      int dot = parameter.indexOf('.', 4);
      if (dot > 4) {
        String prefix = parameter.substring(0, dot + 1);
        String suffix = switch (parameter.substring(dot + 1)) {
          case "attention_norm" -> "attn_norm";
          case "wq" -> "attn_q";
          case "wk" -> "attn_k";
          case "wv" -> "attn_v";
          case "wo" -> "attn_output";
          case "ffn_norm" -> "ffn_norm";
          case "w_gate" -> "ffn_gate";
          case "w_up" -> "ffn_up";
          case "w_down" -> "ffn_down";
          default -> null;
        };
        if (suffix != null) {
          return prefix + suffix + ".weight";
        }
      }
    }
    throw new IllegalArgumentException("no GGUF name for parameter " + parameter);
  }

  /** Our parameters and their shapes (outermost first), in {@link LlamaModel#parameters()} order. */
  static Map<String, long[]> shapes(ModelConfig c) {
    long d = c.dModel();
    long f = c.ffnHidden();
    Map<String, long[]> out = new LinkedHashMap<>();
    out.put("tok_embeddings", new long[] {c.vocabSize(), d});
    for (int i = 0; i < c.layers(); i++) {
      String p = "blk." + i + ".";
      out.put(p + "attention_norm", new long[] {d});
      out.put(p + "wq", new long[] {d, d});
      out.put(p + "wk", new long[] {d, d});
      out.put(p + "wv", new long[] {d, d});
      out.put(p + "wo", new long[] {d, d});
      out.put(p + "ffn_norm", new long[] {d});
      out.put(p + "w_gate", new long[] {f, d});
      out.put(p + "w_up", new long[] {f, d});
      out.put(p + "w_down", new long[] {d, f});
    }
    out.put("norm", new long[] {d});
    return out;
  }

  /**
   * The {@code tokenizer.ggml.*} keys for {@code vocabulary}, padded with unused tokens up to
   * {@code modelVocab} ids.
   */
  static void putTokenizer(GgufWriter g, BpeVocabulary vocabulary, int modelVocab) {
    List<String> strings = vocabulary.tokenStrings();
    if (strings.size() > modelVocab) {
      throw new IllegalArgumentException("the vocabulary has " + strings.size() + " ids, the model only "
          + modelVocab);
    }
    int eos = vocabulary.specialTokenId(END_OF_TEXT);
    if (eos < 0) {
      throw new IllegalArgumentException("the vocabulary has no " + END_OF_TEXT + " token");
    }
    List<String> tokens = new ArrayList<>(modelVocab);
    int[] types = new int[modelVocab];
    for (int id = 0; id < modelVocab; id++) {
      if (id < strings.size()) {
        tokens.add(strings.get(id));
        types[id] = id < vocabulary.mergedSize() ? TOKEN_NORMAL : TOKEN_CONTROL;
      } else {
        tokens.add("[PAD" + id + "]");
        types[id] = TOKEN_UNUSED;
      }
    }
    Set<String> seen = new HashSet<>();
    for (String t : tokens) {
      if (!seen.add(t)) {
        throw new IllegalArgumentException("token " + t + " appears twice; llama.cpp maps token text to one id");
      }
    }
    List<String> merges = new ArrayList<>(vocabulary.merges().size());
    for (BpeVocabulary.Merge m : vocabulary.merges()) {
      merges.add(strings.get(m.left()) + " " + strings.get(m.right()));
    }
    g.putString("tokenizer.ggml.model", "gpt2");
    g.putString("tokenizer.ggml.pre", "llama-bpe");
    g.putStringArray("tokenizer.ggml.tokens", tokens);
    g.putInt32Array("tokenizer.ggml.token_type", types);
    g.putStringArray("tokenizer.ggml.merges", merges);
    g.putUint32("tokenizer.ggml.bos_token_id", eos);
    g.putUint32("tokenizer.ggml.eos_token_id", eos);
    g.putBool("tokenizer.ggml.add_bos_token", false);
    g.putBool("tokenizer.ggml.add_eos_token", false);
  }

  /** Writes {@code w} as {@code type}, row by row ({@code rowLength} values each). */
  static void writeData(OutputStream out, float[] w, TensorType type, long rowLength) throws IOException {
    int cols = Math.toIntExact(rowLength);
    int rows = w.length / cols;
    switch (type) {
      case F32 -> {
        ByteBuffer b = ByteBuffer.allocate(4 * cols).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r < rows; r++) {
          b.clear();
          b.asFloatBuffer().put(w, r * cols, cols);
          out.write(b.array());
        }
      }
      case F16 -> {
        byte[] row = new byte[2 * cols];
        for (int r = 0; r < rows; r++) {
          for (int j = 0; j < cols; j++) {
            short h = Fp16.fromFloat(w[r * cols + j]);
            row[2 * j] = (byte) h;
            row[2 * j + 1] = (byte) (h >>> 8);
          }
          out.write(row);
        }
      }
      case Q8_0 -> {
        byte[] row = new byte[Math.toIntExact(Q8_0.bytes(cols))];
        for (int r = 0; r < rows; r++) {
          Q8_0.quantize(w, r * cols, cols, row, 0);
          out.write(row);
        }
      }
      case Q4_0 -> {
        byte[] row = new byte[Math.toIntExact(Q4_0.bytes(cols))];
        for (int r = 0; r < rows; r++) {
          Q4_0.quantize(w, r * cols, cols, row, 0);
          out.write(row);
        }
      }
      default -> throw new IllegalStateException("type " + type);
    }
  }
}
