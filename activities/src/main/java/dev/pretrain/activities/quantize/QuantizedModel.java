package dev.pretrain.activities.quantize;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.pretrain.activities.evaluate.Evaluator;
import dev.pretrain.activities.train.LlamaModel;
import dev.pretrain.activities.train.ModelConfig;
import dev.pretrain.activities.train.TokenShards;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * A {@link LlamaModel} with every 2-D weight matrix in {@link Q8_0} and the 1-D norm weights kept
 * in fp32, as llama.cpp does. Matrices are quantized row by row ({@code [out, in]} rows of
 * {@code in} values, the GGUF layout), so a row whose length is not a multiple of 32 gets its own
 * zero-padded tail block (see {@link Q8_0}).
 */
public final class QuantizedModel {

  /** One tensor: Q8_0 blocks ({@code q8}) or fp32 values ({@code f32}); the other is null. */
  public record Tensor(String name, Shape shape, byte[] q8, float[] f32) {
    public boolean quantized() {
      return q8 != null;
    }

    public long storedBytes() {
      return quantized() ? q8.length : 4L * f32.length;
    }
  }

  /** Size and accuracy of the quantized model next to the fp32 one. */
  public record Report(long fp32Bytes, long quantizedBytes, int quantizedTensors, int fp32Tensors,
      Evaluator.Result fp32, Evaluator.Result quantized) {

    /** quantized bytes / fp32 bytes (parameter data only, no file headers). */
    public double sizeRatio() {
      return (double) quantizedBytes / fp32Bytes;
    }

    /** Validation loss of the quantized model minus that of the fp32 model (nats per token). */
    public double lossDelta() {
      return quantized.loss() - fp32.loss();
    }
  }

  private final ModelConfig config;
  private final Map<String, Tensor> tensors;

  private QuantizedModel(ModelConfig config, Map<String, Tensor> tensors) {
    this.config = config;
    this.tensors = tensors;
  }

  public static QuantizedModel quantize(LlamaModel model) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, float[]> e : model.weights().entrySet()) {
      Shape shape = model.parameters().get(e.getKey()).getShape();
      float[] w = e.getValue();
      if (shape.dimension() == 2) {
        int rows = Math.toIntExact(shape.get(0));
        int cols = Math.toIntExact(shape.get(1));
        int rowBytes = Math.toIntExact(Q8_0.bytes(cols));
        byte[] q = new byte[rows * rowBytes];
        for (int r = 0; r < rows; r++) {
          Q8_0.quantize(w, r * cols, cols, q, r * rowBytes);
        }
        out.put(e.getKey(), new Tensor(e.getKey(), shape, q, null));
      } else {
        out.put(e.getKey(), new Tensor(e.getKey(), shape, null, w));
      }
    }
    return new QuantizedModel(model.config(), Collections.unmodifiableMap(out));
  }

  /** A model from stored tensors (e.g. read back from a file), in parameter order. */
  public static QuantizedModel of(ModelConfig config, java.util.List<Tensor> tensors) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    for (Tensor t : tensors) {
      m.put(t.name(), t);
    }
    return new QuantizedModel(config, Collections.unmodifiableMap(m));
  }

  public ModelConfig config() {
    return config;
  }

  /** Tensors in the model's parameter order. */
  public Map<String, Tensor> tensors() {
    return tensors;
  }

  public long quantizedBytes() {
    return tensors.values().stream().mapToLong(Tensor::storedBytes).sum();
  }

  public long fp32Bytes() {
    return 4 * config.parameterCount();
  }

  /** Restored fp32 values of every tensor (row-major). */
  public Map<String, float[]> dequantizedWeights() {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Tensor t : tensors.values()) {
      if (!t.quantized()) {
        out.put(t.name(), t.f32().clone());
        continue;
      }
      int rows = Math.toIntExact(t.shape().get(0));
      int cols = Math.toIntExact(t.shape().get(1));
      int rowBytes = Math.toIntExact(Q8_0.bytes(cols));
      float[] w = new float[rows * cols];
      for (int r = 0; r < rows; r++) {
        Q8_0.dequantize(t.q8(), r * rowBytes, cols, w, r * cols);
      }
      out.put(t.name(), w);
    }
    return out;
  }

  /** A model copy holding the dequantized weights, for evaluation; the caller closes it. */
  public LlamaModel dequantize(NDManager manager) {
    return LlamaModel.fromWeights(config, manager, dequantizedWeights());
  }

  /**
   * Quantizes {@code model} and evaluates both versions on the same validation data.
   *
   * @param tokenBytes UTF-8 bytes per token id (see {@link Evaluator#r50kTokenBytes()})
   */
  public static Report compare(LlamaModel model, TokenShards val, int seqLen, int batch, int[] tokenBytes,
      LongConsumer progress) {
    QuantizedModel q = quantize(model);
    Evaluator.Result fp32 = Evaluator.evaluate(model, val, seqLen, batch, tokenBytes, progress);
    Evaluator.Result q8;
    try (LlamaModel restored = q.dequantize(model.manager())) {
      q8 = Evaluator.evaluate(restored, val, seqLen, batch, tokenBytes, progress);
    }
    int nq = (int) q.tensors.values().stream().filter(Tensor::quantized).count();
    return new Report(q.fp32Bytes(), q.quantizedBytes(), nq, q.tensors.size() - nq, fp32, q8);
  }
}
