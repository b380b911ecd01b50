package dev.pretrain.activities.export;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A plain-Java forward pass over an F32 GGUF file, following llama.cpp's conventions for the
 * {@code llama} architecture as read in its source (not our model's code): {@code ne[0]} of a weight
 * is its input size and {@code y[o] = sum_i W[o * ne0 + i] x[i]}; RMSNorm {@code x / sqrt(mean(x^2) + eps) * w};
 * rope in ggml's normal mode, rotating adjacent pairs {@code (x[2i], x[2i+1])} of each head by
 * {@code pos * freq_base^(-2i / n_rot)}; causal softmax attention scaled by {@code 1/sqrt(head_dim)},
 * K/V heads = Q heads here; SwiGLU {@code down(silu(gate(x)) * up(x))}; the output projection is
 * {@code token_embd} when the file has no {@code output.weight}. Doubles throughout.
 */
final class LlamaCppReference {

  private LlamaCppReference() {}

  /** Logits {@code [tokens.length, n_vocab]} row-major. */
  static float[] logits(GgufTestReader r, int[] tokens) {
    int d = u32(r, "llama.embedding_length");
    int heads = u32(r, "llama.attention.head_count");
    int layers = u32(r, "llama.block_count");
    int rot = u32(r, "llama.rope.dimension_count");
    double eps = (Float) r.metadata.get("llama.attention.layer_norm_rms_epsilon");
    double base = (Float) r.metadata.get("llama.rope.freq_base");
    int hd = d / heads;
    int t = tokens.length;
    Weight emb = weight(r, "token_embd.weight");
    boolean hasOutput = r.tensors.stream().anyMatch(x -> x.name().equals("output.weight"));
    Weight out = hasOutput ? weight(r, "output.weight") : emb;

    double[][] x = new double[t][];
    for (int i = 0; i < t; i++) {
      x[i] = emb.row(tokens[i]);
    }
    for (int l = 0; l < layers; l++) {
      String p = "blk." + l + ".";
      Weight attnNorm = weight(r, p + "attn_norm.weight");
      Weight wq = weight(r, p + "attn_q.weight");
      Weight wk = weight(r, p + "attn_k.weight");
      Weight wv = weight(r, p + "attn_v.weight");
      Weight wo = weight(r, p + "attn_output.weight");
      double[][] q = new double[t][];
      double[][] k = new double[t][];
      double[][] v = new double[t][];
      for (int i = 0; i < t; i++) {
        double[] h = rmsNorm(x[i], attnNorm, eps);
        q[i] = rope(wq.apply(h), i, heads, hd, rot, base);
        k[i] = rope(wk.apply(h), i, heads, hd, rot, base);
        v[i] = wv.apply(h);
      }
      for (int i = 0; i < t; i++) {
        double[] att = new double[d];
        for (int hh = 0; hh < heads; hh++) {
          double[] s = new double[i + 1];
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j <= i; j++) {
            double dot = 0;
            for (int c = 0; c < hd; c++) {
              dot += q[i][hh * hd + c] * k[j][hh * hd + c];
            }
            s[j] = dot / Math.sqrt(hd);
            max = Math.max(max, s[j]);
          }
          double sum = 0;
          for (int j = 0; j <= i; j++) {
            s[j] = Math.exp(s[j] - max);
            sum += s[j];
          }
          for (int j = 0; j <= i; j++) {
            for (int c = 0; c < hd; c++) {
              att[hh * hd + c] += s[j] / sum * v[j][hh * hd + c];
            }
          }
        }
        add(x[i], wo.apply(att));
      }
      Weight ffnNorm = weight(r, p + "ffn_norm.weight");
      Weight gate = weight(r, p + "ffn_gate.weight");
      Weight up = weight(r, p + "ffn_up.weight");
      Weight down = weight(r, p + "ffn_down.weight");
      for (int i = 0; i < t; i++) {
        double[] h = rmsNorm(x[i], ffnNorm, eps);
        double[] g = gate.apply(h);
        double[] u = up.apply(h);
        for (int c = 0; c < g.length; c++) {
          g[c] = g[c] / (1 + Math.exp(-g[c])) * u[c];
        }
        add(x[i], down.apply(g));
      }
    }
    Weight norm = weight(r, "output_norm.weight");
    int vocab = (int) out.ne[1];
    float[] logits = new float[t * vocab];
    for (int i = 0; i < t; i++) {
      double[] y = out.apply(rmsNorm(x[i], norm, eps));
      for (int c = 0; c < vocab; c++) {
        logits[i * vocab + c] = (float) y[c];
      }
    }
    return logits;
  }

  /** An F32 tensor: {@code ne[0]} values per row. */
  record Weight(long[] ne, float[] v) {
    double[] row(int i) {
      int n = (int) ne[0];
      double[] out = new double[n];
      for (int c = 0; c < n; c++) {
        out[c] = v[i * n + c];
      }
      return out;
    }

    /** ggml_mul_mat(W, x): one output per row. */
    double[] apply(double[] x) {
      int in = (int) ne[0];
      if (x.length != in) {
        throw new IllegalArgumentException("input " + x.length + ", weight rows " + in);
      }
      int outs = ne.length > 1 ? (int) ne[1] : 1;
      double[] y = new double[outs];
      for (int o = 0; o < outs; o++) {
        double s = 0;
        for (int c = 0; c < in; c++) {
          s += v[o * in + c] * x[c];
        }
        y[o] = s;
      }
      return y;
    }
  }

  private static Weight weight(GgufTestReader r, String name) {
    GgufTestReader.TensorInfo t = r.tensor(name);
    if (t.type() != 0) {
      throw new IllegalArgumentException(name + " is not F32");
    }
    byte[] data = r.data(t, 4 * t.count());
    float[] v = new float[(int) t.count()];
    ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
    return new Weight(t.ne(), v);
  }

  private static double[] rmsNorm(double[] x, Weight w, double eps) {
    double ss = 0;
    for (double a : x) {
      ss += a * a;
    }
    double scale = 1 / Math.sqrt(ss / x.length + eps);
    double[] out = new double[x.length];
    for (int c = 0; c < x.length; c++) {
      out[c] = x[c] * scale * w.v()[c];
    }
    return out;
  }

  private static double[] rope(double[] x, int pos, int heads, int hd, int rot, double base) {
    double[] out = x.clone();
    for (int h = 0; h < heads; h++) {
      for (int i0 = 0; i0 < rot; i0 += 2) {
        double theta = pos * Math.pow(base, -(double) i0 / rot);
        double c = Math.cos(theta);
        double s = Math.sin(theta);
        double a = x[h * hd + i0];
        double b = x[h * hd + i0 + 1];
        out[h * hd + i0] = a * c - b * s;
        out[h * hd + i0 + 1] = a * s + b * c;
      }
    }
    return out;
  }

  private static void add(double[] x, double[] y) {
    for (int c = 0; c < x.length; c++) {
      x[c] += y[c];
    }
  }

  private static int u32(GgufTestReader r, String key) {
    Object v = r.metadata.get(key);
    if (!(v instanceof Long l)) {
      throw new IllegalArgumentException(key + " is " + v);
    }
    return Math.toIntExact(l);
  }
}
