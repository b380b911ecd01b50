package dev.pretrain.activities.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A plain-Java forward pass over an F32 {@code model.safetensors} + {@code config.json}, following
 * Hugging Face's {@code LlamaForCausalLM} conventions (not our model's code): {@code y = x W^T} with
 * {@code W [out, in]}; RMSNorm {@code x / sqrt(mean(x^2) + eps) * w}; rope by {@code rotate_half},
 * rotating {@code (x[i], x[i + hd/2])} of each head by {@code pos * rope_theta^(-2i/hd)}; causal
 * softmax attention scaled by {@code 1/sqrt(hd)} (K/V heads = Q heads); SwiGLU; the head tied to
 * {@code model.embed_tokens.weight}. Doubles throughout. The Python check
 * ({@code safetensors_check.py}) does the same with the {@code safetensors} library and numpy; this
 * one runs in every build.
 */
final class HfLlamaReference {

  private final JsonNode header;
  private final ByteBuffer data;

  private HfLlamaReference(Path file) throws IOException {
    byte[] all = Files.readAllBytes(file);
    int n = Math.toIntExact(ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong());
    header = new ObjectMapper().readTree(new String(all, 8, n, StandardCharsets.UTF_8));
    data = ByteBuffer.wrap(all, 8 + n, all.length - 8 - n).slice().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Logits {@code [tokens.length, vocab]} row-major. */
  static float[] logits(Path dir, int[] tokens) throws IOException {
    JsonNode cfg = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
    HfLlamaReference r = new HfLlamaReference(dir.resolve("model.safetensors"));
    int d = cfg.get("hidden_size").asInt();
    int heads = cfg.get("num_attention_heads").asInt();
    int hd = d / heads;
    int vocab = cfg.get("vocab_size").asInt();
    double eps = cfg.get("rms_norm_eps").asDouble();
    double theta = cfg.get("rope_theta").asDouble();
    int t = tokens.length;
    double[][] emb = r.matrix("model.embed_tokens.weight");
    double[][] x = new double[t][];
    for (int i = 0; i < t; i++) {
      x[i] = emb[tokens[i]].clone();
    }
    for (int l = 0; l < cfg.get("num_hidden_layers").asInt(); l++) {
      String p = "model.layers." + l + ".";
      double[] inNorm = r.matrix(p + "input_layernorm.weight")[0];
      double[][] wq = r.matrix(p + "self_attn.q_proj.weight");
      double[][] wk = r.matrix(p + "self_attn.k_proj.weight");
      double[][] wv = r.matrix(p + "self_attn.v_proj.weight");
      double[][] wo = r.matrix(p + "self_attn.o_proj.weight");
      double[][] q = new double[t][];
      double[][] k = new double[t][];
      double[][] v = new double[t][];
      for (int i = 0; i < t; i++) {
        double[] h = rms(x[i], inNorm, eps);
        q[i] = ropeHalves(linear(wq, h), i, heads, hd, theta);
        k[i] = ropeHalves(linear(wk, h), i, heads, hd, theta);
        v[i] = linear(wv, h);
      }
      for (int i = 0; i < t; i++) {
        double[] y = new double[d];
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
              y[hh * hd + c] += s[j] / sum * v[j][hh * hd + c];
            }
          }
        }
        add(x[i], linear(wo, y));
      }
      double[] postNorm = r.matrix(p + "post_attention_layernorm.weight")[0];
      double[][] gate = r.matrix(p + "mlp.gate_proj.weight");
      double[][] up = r.matrix(p + "mlp.up_proj.weight");
      double[][] down = r.matrix(p + "mlp.down_proj.weight");
      for (int i = 0; i < t; i++) {
        double[] h = rms(x[i], postNorm, eps);
        double[] g = linear(gate, h);
        double[] u = linear(up, h);
        for (int c = 0; c < g.length; c++) {
          g[c] = g[c] / (1 + Math.exp(-g[c])) * u[c];
        }
        add(x[i], linear(down, g));
      }
    }
    double[] norm = r.matrix("model.norm.weight")[0];
    float[] out = new float[t * vocab];
    for (int i = 0; i < t; i++) {
      double[] logits = linear(emb, rms(x[i], norm, eps));
      for (int o = 0; o < vocab; o++) {
        out[i * vocab + o] = (float) logits[o];
      }
    }
    return out;
  }

  /** A tensor as rows ({@code [1, n]} for a vector); F32 only. */
  private double[][] matrix(String name) {
    JsonNode t = header.get(name);
    if (t == null || !t.get("dtype").asText().equals("F32")) {
      throw new IllegalArgumentException("no F32 tensor " + name);
    }
    JsonNode shape = t.get("shape");
    int rows = shape.size() == 1 ? 1 : shape.get(0).asInt();
    int cols = shape.get(shape.size() - 1).asInt();
    int begin = t.get("data_offsets").get(0).asInt();
    double[][] m = new double[rows][cols];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        m[r][c] = data.getFloat(begin + 4 * (r * cols + c));
      }
    }
    return m;
  }

  private static double[] ropeHalves(double[] x, int pos, int heads, int hd, double theta) {
    int half = hd / 2;
    double[] out = new double[x.length];
    for (int h = 0; h < heads; h++) {
      for (int i = 0; i < half; i++) {
        double a = pos * Math.pow(theta, -2.0 * i / hd);
        double x1 = x[h * hd + i];
        double x2 = x[h * hd + i + half];
        out[h * hd + i] = x1 * Math.cos(a) - x2 * Math.sin(a);
        out[h * hd + i + half] = x2 * Math.cos(a) + x1 * Math.sin(a);
      }
    }
    return out;
  }

  private static double[] rms(double[] x, double[] w, double eps) {
    double ss = 0;
    for (double v : x) {
      ss += v * v;
    }
    double scale = 1 / Math.sqrt(ss / x.length + eps);
    double[] out = new double[x.length];
    for (int c = 0; c < x.length; c++) {
      out[c] = x[c] * scale * w[c];
    }
    return out;
  }

  private static double[] linear(double[][] w, double[] x) {
    double[] y = new double[w.length];
    for (int o = 0; o < w.length; o++) {
      double s = 0;
      for (int i = 0; i < x.length; i++) {
        s += w[o][i] * x[i];
      }
      y[o] = s;
    }
    return y;
  }

  private static void add(double[] x, double[] y) {
    for (int c = 0; c < x.length; c++) {
      x[c] += y[c];
    }
  }
}
