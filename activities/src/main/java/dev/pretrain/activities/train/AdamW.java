package dev.pretrain.activities.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * AdamW (Loshchilov & Hutter) over DJL NDArrays, the same arithmetic as PyTorch's
 * {@code torch.optim.AdamW}: for step {@code t >= 1},
 * <pre>
 *   p  = p * (1 - lr * wd)                       (decoupled decay, 2-D weights only)
 *   m  = b1 * m + (1 - b1) * g
 *   v  = b2 * v + (1 - b2) * g^2
 *   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * </pre>
 * Norm weights get no decay (decaying a gain toward 0 only fights the normalisation). Updates are
 * in place; the calling thread must have autograd off ({@link DjlRuntime#noGradOnThisThread()}).
 */
final class AdamW implements AutoCloseable {

  private final List<String> names = new ArrayList<>();
  private final List<Parameter> params = new ArrayList<>();
  private final List<NDArray> m = new ArrayList<>();
  private final List<NDArray> v = new ArrayList<>();
  private final boolean[] decay;
  private final double beta1;
  private final double beta2;
  private final double eps;
  private final double weightDecay;

  AdamW(Map<String, Parameter> parameters, TrainConfig cfg, NDManager manager) {
    this.beta1 = cfg.beta1();
    this.beta2 = cfg.beta2();
    this.eps = cfg.eps();
    this.weightDecay = cfg.weightDecay();
    decay = new boolean[parameters.size()];
    int i = 0;
    for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
      names.add(e.getKey());
      params.add(e.getValue());
      Shape shape = e.getValue().getArray().getShape();
      decay[i++] = shape.dimension() >= 2;
      m.add(LlamaModel.unscoped(manager.zeros(shape, DataType.FLOAT32)));
      v.add(LlamaModel.unscoped(manager.zeros(shape, DataType.FLOAT32)));
    }
  }

  /**
   * Applies one update.
   *
   * @param grads gradients in parameter order (already clipped)
   * @param lr    learning rate of this step
   * @param t     1-based step number (for bias correction)
   */
  void update(List<NDArray> grads, double lr, long t) {
    double bc1 = 1 - Math.pow(beta1, t);
    double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
    for (int i = 0; i < params.size(); i++) {
      NDArray p = params.get(i).getArray();
      NDArray g = grads.get(i);
      NDArray mi = m.get(i);
      NDArray vi = v.get(i);
      mi.muli(beta1).addi(g.mul(1 - beta1));
      vi.muli(beta2).addi(g.square().muli(1 - beta2));
      if (decay[i] && weightDecay > 0) {
        p.muli(1 - lr * weightDecay);
      }
      NDArray denom = vi.sqrt().divi(bc2Sqrt).addi(eps);
      p.subi(mi.div(denom).muli(lr / bc1));
    }
  }

  /** Writes the moments with DJL's array encoding, m then v per parameter. */
  void save(DataOutputStream out) throws IOException {
    out.writeInt(params.size());
    for (int i = 0; i < params.size(); i++) {
      out.writeUTF(names.get(i));
      out.write(m.get(i).encode());
      out.write(v.get(i).encode());
    }
  }

  /** Replaces the moments with those written by {@link #save}, checking names and shapes. */
  void load(DataInputStream in, NDManager manager) throws IOException {
    int n = in.readInt();
    if (n != params.size()) {
      throw new IOException("optimizer state holds " + n + " parameters, model has " + params.size());
    }
    for (int i = 0; i < n; i++) {
      String name = in.readUTF();
      NDArray mi = LlamaModel.unscoped(manager.decode(in));
      NDArray vi = LlamaModel.unscoped(manager.decode(in));
      Shape shape = params.get(i).getArray().getShape();
      if (!name.equals(names.get(i)) || !mi.getShape().equals(shape) || !vi.getShape().equals(shape)) {
        String msg = "optimizer state for " + name + " " + mi.getShape() + " does not match parameter "
            + names.get(i) + " " + shape;
        mi.close();
        vi.close();
        throw new IOException(msg);
      }
      m.set(i, mi).close();
      v.set(i, vi).close();
    }
  }

  @Override
  public void close() {
    m.forEach(NDArray::close);
    v.forEach(NDArray::close);
  }
}
