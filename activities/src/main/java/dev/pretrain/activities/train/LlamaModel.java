package dev.pretrain.activities.train;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A Llama-style decoder-only transformer written with DJL blocks and NDArray operations:
 * token embedding, then per layer {@code x += Attn(RMSNorm(x))}, {@code x += SwiGLU(RMSNorm(x))},
 * then a final RMSNorm and the LM head (tied to the embedding, see {@link ModelConfig}).
 *
 * <p>Attention is causal multi-head self-attention with rotary position embedding applied to
 * Q and K as rotations of adjacent pairs {@code (x[2i], x[2i+1])} by angle {@code t * theta^(-2i/hd)}:
 * the layout of Meta's reference code and of llama.cpp's {@code LLAMA} architecture, so Q/K
 * weights need no permutation on GGUF export. Linear weights are stored {@code [out, in]} as in
 * PyTorch and GGUF; no biases. Parameters are named like GGUF's llama tensors minus the prefix
 * (see {@link #parameters()}).
 *
 * <p>Initialisation is deterministic in {@link ModelConfig#seed()} and independent of libtorch's
 * RNG: each matrix draws N(0, 0.02) from its own {@link java.util.Random} seeded by (seed, name);
 * the two residual projections per layer ({@code wo}, {@code w_down}) use 0.02/sqrt(2*layers)
 * (GPT-2); norm weights start at 1.
 *
 * <p>Not thread-safe. Arrays live in the {@link NDManager} given at creation; {@link #close()}
 * frees them.
 */
public final class LlamaModel extends AbstractBlock implements AutoCloseable {

  private static final byte VERSION = 1;
  private static final float INIT_STD = 0.02f;

  private final ModelConfig config;
  private final Parameter embedding;
  private final Parameter norm;
  private final List<Layer> layers = new ArrayList<>();
  private final LinkedHashMap<String, Parameter> named = new LinkedHashMap<>();
  private NDManager manager;
  private NDArray ropeCos; // [ctx, hd/2, 1]
  private NDArray ropeSin;
  private Constants constants;
  private final Map<Integer, NDArray> masks = new HashMap<>();

  private LlamaModel(ModelConfig config) {
    super(VERSION);
    this.config = config;
    int d = config.dModel();
    embedding = addParameter(param("tok_embeddings", Parameter.Type.WEIGHT, new Shape(config.vocabSize(), d)));
    named.put("tok_embeddings", embedding);
    for (int i = 0; i < config.layers(); i++) {
      Layer layer = addChildBlock("layer" + i, new Layer(config, () -> constants));
      layers.add(layer);
      for (Map.Entry<String, Parameter> e : layer.named.entrySet()) {
        named.put("blk." + i + "." + e.getKey(), e.getValue());
      }
    }
    norm = addParameter(param("norm", Parameter.Type.GAMMA, new Shape(d)));
    named.put("norm", norm);
  }

  /** A freshly initialised model (deterministic in {@code config.seed()}). */
  public static LlamaModel create(ModelConfig config, NDManager manager) {
    LlamaModel model = new LlamaModel(config);
    for (Map.Entry<String, Parameter> e : model.named.entrySet()) {
      e.getValue().setInitializer(seededInit(config, e.getKey()));
    }
    model.initializeIn(manager);
    return model;
  }

  /**
   * A model whose parameters are the given arrays (row-major, shapes as in {@link #parameters()});
   * every parameter must be present.
   */
  public static LlamaModel fromWeights(ModelConfig config, NDManager manager, Map<String, float[]> weights) {
    LlamaModel model = new LlamaModel(config);
    for (Map.Entry<String, Parameter> e : model.named.entrySet()) {
      float[] w = weights.get(e.getKey());
      if (w == null || w.length != e.getValue().getShape().size()) {
        throw new IllegalArgumentException("weights for " + e.getKey() + ": expected "
            + e.getValue().getShape().size() + " values, got " + (w == null ? "none" : w.length));
      }
      e.getValue().setInitializer((m, shape, type) -> unscoped(m.create(w, shape)));
    }
    model.initializeIn(manager);
    return model;
  }

  /** Reads parameters written by {@link #save}. */
  public static LlamaModel load(ModelConfig config, NDManager manager, DataInputStream in) throws IOException {
    LlamaModel model = new LlamaModel(config);
    try (NDScope ignored = new NDScope()) {
      model.loadParameters(manager, in);
      for (Map.Entry<String, Parameter> e : model.named.entrySet()) {
        NDArray a = e.getValue().getArray();
        NDScope.unregister(a);
        if (!a.getShape().equals(e.getValue().getShape())) {
          throw new IOException("parameter " + e.getKey() + " has shape " + a.getShape() + ", config says "
              + e.getValue().getShape());
        }
        a.setRequiresGradient(true);
      }
    } catch (MalformedModelException e) {
      throw new IOException("bad model parameters: " + e.getMessage(), e);
    }
    model.manager = manager;
    model.buildRope();
    return model;
  }

  /** Writes all parameters with DJL's block encoding (names, shapes, raw little-endian data). */
  public void save(DataOutputStream out) throws IOException {
    saveParameters(out);
  }

  public ModelConfig config() {
    return config;
  }

  public NDManager manager() {
    return manager;
  }

  /**
   * Parameters in a fixed order, by name: {@code tok_embeddings}, then per layer
   * {@code blk.N.attention_norm, wq, wk, wv, wo, ffn_norm, w_gate, w_up, w_down}, then {@code norm}.
   */
  public Map<String, Parameter> parameters() {
    return Collections.unmodifiableMap(named);
  }

  /** Sum of the sizes of the DJL parameters actually held. */
  public long actualParameterCount() {
    long n = 0;
    for (Parameter p : getParameters().values()) {
      n += p.getArray().size();
    }
    return n;
  }

  /** Copies every parameter out to Java arrays, by name. */
  public Map<String, float[]> weights() {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (Map.Entry<String, Parameter> e : named.entrySet()) {
      out.put(e.getKey(), e.getValue().getArray().toFloatArray());
    }
    return out;
  }

  /**
   * Logits for every position.
   *
   * @param tokens int64 {@code [B, T]}, {@code T <= contextLength}
   * @return float32 {@code [B, T, vocabSize]}
   */
  public NDArray forward(NDArray tokens) {
    Shape s = tokens.getShape();
    if (s.dimension() != 2 || s.get(1) > config.contextLength()) {
      throw new IllegalArgumentException("tokens must be [B, T<=" + config.contextLength() + "], got " + s);
    }
    int t = (int) s.get(1);
    NDArray w = embedding.getArray();
    NDArray x = DjlRuntime.embedding(tokens, w);
    NDArray cos = ropeCos.get("0:" + t);
    NDArray sin = ropeSin.get("0:" + t);
    NDArray mask = mask(t);
    for (Layer layer : layers) {
      x = layer.forward(x, cos, sin, mask, constants);
    }
    x = rmsNorm(x, norm.getArray(), constants);
    return DjlRuntime.linear(x, w);
  }

  /** Negative log-likelihood of each target: {@code [B, T]}. */
  public static NDArray tokenNll(NDArray logits, NDArray targets) {
    long v = logits.getShape().get(logits.getShape().dimension() - 1);
    NDArray logp = logits.reshape(-1, v).logSoftmax(-1);
    return logp.gather(targets.reshape(-1, 1), 1).neg().reshape(targets.getShape());
  }

  /** Mean next-token cross-entropy in nats (a scalar). */
  public static NDArray crossEntropy(NDArray logits, NDArray targets) {
    return tokenNll(logits, targets).mean();
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
    return new NDList(forward(inputs.singletonOrThrow()));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape in = inputShapes[0];
    return new Shape[] {new Shape(in.get(0), in.get(1), config.vocabSize())};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape hidden = new Shape(inputShapes[0].get(0), inputShapes[0].get(1), config.dModel());
    for (Layer layer : layers) {
      layer.initialize(manager, dataType, hidden);
    }
  }

  @Override
  public void close() {
    for (Parameter p : named.values()) {
      p.close();
    }
    for (NDArray m : masks.values()) {
      m.close();
    }
    masks.clear();
    if (ropeCos != null) {
      ropeCos.close();
      ropeSin.close();
    }
    if (constants != null) {
      constants.close();
    }
  }

  private void initializeIn(NDManager manager) {
    this.manager = manager;
    initialize(manager, DataType.FLOAT32, new Shape(1, config.contextLength()));
    buildRope();
  }

  /** cos/sin of {@code t * theta^(-2i/hd)} for t in [0, ctx), i in [0, hd/2), as {@code [ctx, hd/2, 1]}. */
  private void buildRope() {
    int ctx = config.contextLength();
    int half = config.headDim() / 2;
    float[] c = new float[ctx * half];
    float[] s = new float[ctx * half];
    for (int t = 0; t < ctx; t++) {
      for (int i = 0; i < half; i++) {
        double angle = t * Math.pow(config.ropeTheta(), -2.0 * i / config.headDim());
        c[t * half + i] = (float) Math.cos(angle);
        s[t * half + i] = (float) Math.sin(angle);
      }
    }
    ropeCos = unscoped(manager.create(c, new Shape(ctx, half, 1)));
    ropeSin = unscoped(manager.create(s, new Shape(ctx, half, 1)));
    constants = new Constants(
        unscoped(manager.create((float) (1.0 / Math.sqrt(config.headDim())))),
        unscoped(manager.create(ModelConfig.RMS_EPS)),
        unscoped(manager.create(-0.5f)));
  }

  /**
   * The scalars of the forward pass, as arrays that live as long as the model. Never write
   * {@code x.mul(0.5f)} in code that autograd records: DJL wraps the number in a tensor backed by a
   * direct buffer and closes it as soon as the op returns, while autograd keeps that tensor for the
   * backward pass; a garbage collection in between frees the buffer, and the backward pass then
   * multiplies by whatever the allocator left there ({@code GradientAfterGcTest}). Scalars that
   * only shift ({@code add}) are not kept by autograd, but they live here too so the rule stays
   * simple: no Java numbers in the recorded graph.
   */
  record Constants(NDArray attentionScale, NDArray rmsEps, NDArray rmsExponent) implements AutoCloseable {
    @Override
    public void close() {
      attentionScale.close();
      rmsEps.close();
      rmsExponent.close();
    }
  }

  /** Additive causal mask {@code [T, T]}: 0 where key <= query, -inf after. */
  private NDArray mask(int t) {
    return masks.computeIfAbsent(t, n -> {
      float[] m = new float[n * n];
      for (int q = 0; q < n; q++) {
        for (int k = q + 1; k < n; k++) {
          m[q * n + k] = Float.NEGATIVE_INFINITY;
        }
      }
      return unscoped(manager.create(m, new Shape(n, n)));
    });
  }

  static NDArray rmsNorm(NDArray x, NDArray weight, Constants k) {
    NDArray inv = x.square().mean(new int[] {-1}, true).add(k.rmsEps()).pow(k.rmsExponent());
    return x.mul(inv).mul(weight);
  }

  /** Rotates adjacent pairs of the last axis of {@code x [B, H, T, hd]}. */
  static NDArray rope(NDArray x, NDArray cos, NDArray sin) {
    Shape s = x.getShape();
    long hd = s.get(3);
    NDList pair = x.reshape(s.get(0), s.get(1), s.get(2), hd / 2, 2).split(2, 4);
    NDArray a = pair.get(0);
    NDArray b = pair.get(1);
    NDArray ra = a.mul(cos).sub(b.mul(sin));
    NDArray rb = a.mul(sin).add(b.mul(cos));
    return ra.concat(rb, 4).reshape(s);
  }

  private static Parameter param(String name, Parameter.Type type, Shape shape) {
    return Parameter.builder().setName(name).setType(type).optShape(shape).build();
  }

  /** Arrays that outlive a step must not be closed by an enclosing {@link NDScope}. */
  static NDArray unscoped(NDArray a) {
    NDScope.unregister(a);
    return a;
  }

  private static Initializer seededInit(ModelConfig config, String name) {
    if (name.endsWith("norm")) {
      return (m, shape, type) -> unscoped(m.ones(shape, type));
    }
    float std = INIT_STD;
    if (name.endsWith(".wo") || name.endsWith(".w_down")) {
      std = (float) (INIT_STD / Math.sqrt(2.0 * config.layers()));
    }
    final float sd = std;
    // String.hashCode is specified, so the stream for a name is the same on every JVM.
    long seed = mix(config.seed() * 0x9E3779B97F4A7C15L + name.hashCode());
    return (m, shape, type) -> {
      Random r = new Random(seed);
      float[] v = new float[Math.toIntExact(shape.size())];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) (r.nextGaussian() * sd);
      }
      return unscoped(m.create(v, shape));
    };
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** One decoder block. */
  static final class Layer extends AbstractBlock {
    private final ModelConfig config;
    private final java.util.function.Supplier<Constants> constants; // the model's, made after its layers
    private final LinkedHashMap<String, Parameter> named = new LinkedHashMap<>();
    private final Parameter attnNorm;
    private final Parameter wq;
    private final Parameter wk;
    private final Parameter wv;
    private final Parameter wo;
    private final Parameter ffnNorm;
    private final Parameter wGate;
    private final Parameter wUp;
    private final Parameter wDown;

    Layer(ModelConfig config, java.util.function.Supplier<Constants> constants) {
      super(VERSION);
      this.config = config;
      this.constants = constants;
      int d = config.dModel();
      int f = config.ffnHidden();
      attnNorm = add("attention_norm", Parameter.Type.GAMMA, new Shape(d));
      wq = add("wq", Parameter.Type.WEIGHT, new Shape(d, d));
      wk = add("wk", Parameter.Type.WEIGHT, new Shape(d, d));
      wv = add("wv", Parameter.Type.WEIGHT, new Shape(d, d));
      wo = add("wo", Parameter.Type.WEIGHT, new Shape(d, d));
      ffnNorm = add("ffn_norm", Parameter.Type.GAMMA, new Shape(d));
      wGate = add("w_gate", Parameter.Type.WEIGHT, new Shape(f, d));
      wUp = add("w_up", Parameter.Type.WEIGHT, new Shape(f, d));
      wDown = add("w_down", Parameter.Type.WEIGHT, new Shape(d, f));
    }

    private Parameter add(String name, Parameter.Type type, Shape shape) {
      Parameter p = addParameter(param(name, type, shape));
      named.put(name, p);
      return p;
    }

    NDArray forward(NDArray x, NDArray cos, NDArray sin, NDArray mask, Constants k) {
      Shape s = x.getShape();
      long b = s.get(0);
      long t = s.get(1);
      int heads = config.heads();
      int hd = config.headDim();
      NDArray h = rmsNorm(x, attnNorm.getArray(), k);
      // Scale Q before Q.K^T: [B,H,T,hd] is smaller than the [B,H,T,T] scores.
      NDArray q = heads(linear(h, wq.getArray()), b, t, heads, hd).mul(k.attentionScale());
      NDArray key = heads(linear(h, wk.getArray()), b, t, heads, hd);
      NDArray v = heads(linear(h, wv.getArray()), b, t, heads, hd);
      q = rope(q, cos, sin);
      key = rope(key, cos, sin);
      NDArray att = q.matMul(key.transpose(0, 1, 3, 2)).add(mask).softmax(-1);
      NDArray y = att.matMul(v).transpose(0, 2, 1, 3).reshape(b, t, config.dModel());
      x = x.add(linear(y, wo.getArray()));
      h = rmsNorm(x, ffnNorm.getArray(), k);
      NDArray gate = linear(h, wGate.getArray());
      NDArray silu = gate.mul(DjlRuntime.sigmoid(gate));
      return x.add(linear(silu.mul(linear(h, wUp.getArray())), wDown.getArray()));
    }

    private static NDArray linear(NDArray x, NDArray weight) {
      return DjlRuntime.linear(x, weight);
    }

    private static NDArray heads(NDArray x, long b, long t, int heads, int hd) {
      return x.reshape(b, t, heads, hd).transpose(0, 2, 1, 3);
    }

    @Override
    protected NDList forwardInternal(
        ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
      return new NDList(forward(inputs.get(0), inputs.get(1), inputs.get(2), inputs.get(3), constants.get()));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return new Shape[] {inputShapes[0]};
    }
  }
}
