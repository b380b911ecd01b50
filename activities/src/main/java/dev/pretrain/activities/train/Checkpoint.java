package dev.pretrain.activities.train;

import ai.djl.ndarray.NDManager;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;

/**
 * One training checkpoint in one file: everything needed to continue a run exactly, or to load
 * the model alone for evaluation and quantization.
 *
 * <p>Layout (big-endian {@link DataOutputStream} fields):
 * <pre>
 *   int   magic 0x5054434B ("PTCK"), int format version (1)
 *   ModelConfig: vocab, ctx, dModel, layers, heads, ffn (int), ropeTheta (double), seed (long)
 *   TrainConfig: steps, batch, seqLen (int), lr, minLr (double), warmup (int), wd, beta1, beta2,
 *                eps, gradClip (double), checkpointEvery (int), seed (long)
 *   long step, long data position (windows consumed), long tokens seen
 *   int shard count, long token count per shard (the data the position refers to)
 *   model parameters: DJL block encoding ({@link LlamaModel#save})
 *   AdamW moments: int count, then per parameter name + DJL array encoding of m and v
 *   int magic again (a truncated file fails to load)
 * </pre>
 * Files are written to a temporary sibling and renamed, so a crash never leaves half a checkpoint
 * under the final name. A model file ({@link #writeModel}) is the same without the AdamW moments.
 */
public final class Checkpoint {

  static final int MAGIC = 0x5054434B;
  static final int FORMAT = 1;

  /** Everything in a checkpoint except the arrays. */
  public record Header(ModelConfig model, TrainConfig train, long step, long dataPosition, long tokensSeen,
      long[] shardTokens) {

    @Override
    public boolean equals(Object o) {
      return o instanceof Header h && model.equals(h.model) && train.equals(h.train) && step == h.step
          && dataPosition == h.dataPosition && tokensSeen == h.tokensSeen && Arrays.equals(shardTokens, h.shardTokens);
    }

    @Override
    public int hashCode() {
      return java.util.Objects.hash(model, train, step, dataPosition, tokensSeen, Arrays.hashCode(shardTokens));
    }

    @Override
    public String toString() {
      return "Header[step=" + step + ", dataPosition=" + dataPosition + ", tokensSeen=" + tokensSeen + ", model="
          + model + ", train=" + train + ", shardTokens=" + Arrays.toString(shardTokens) + "]";
    }
  }

  private Checkpoint() {}

  /** Reads only the header (cheap: no arrays are decoded). */
  public static Header readHeader(Path file) throws IOException {
    try (DataInputStream in = open(file)) {
      return readHeader(in, file);
    }
  }

  /** Loads the model alone, for evaluation or quantization. */
  public static LlamaModel loadModel(Path file, NDManager manager) throws IOException {
    try (DataInputStream in = open(file)) {
      Header h = readHeader(in, file);
      return LlamaModel.load(h.model(), manager, in);
    }
  }

  static void write(Path file, Header h, LlamaModel model, AdamW optimizer) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16))) {
      writeHeader(out, h);
      model.save(out);
      optimizer.save(out);
      out.writeInt(MAGIC);
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void writeHeader(DataOutputStream out, Header h) throws IOException {
    out.writeInt(MAGIC);
    out.writeInt(FORMAT);
    ModelConfig m = h.model();
    out.writeInt(m.vocabSize());
    out.writeInt(m.contextLength());
    out.writeInt(m.dModel());
    out.writeInt(m.layers());
    out.writeInt(m.heads());
    out.writeInt(m.ffnHidden());
    out.writeDouble(m.ropeTheta());
    out.writeLong(m.seed());
    TrainConfig t = h.train();
    out.writeInt(t.steps());
    out.writeInt(t.batch());
    out.writeInt(t.seqLen());
    out.writeDouble(t.lr());
    out.writeDouble(t.minLr());
    out.writeInt(t.warmupSteps());
    out.writeDouble(t.weightDecay());
    out.writeDouble(t.beta1());
    out.writeDouble(t.beta2());
    out.writeDouble(t.eps());
    out.writeDouble(t.gradClip());
    out.writeInt(t.checkpointEvery());
    out.writeLong(t.seed());
    out.writeLong(h.step());
    out.writeLong(h.dataPosition());
    out.writeLong(h.tokensSeen());
    out.writeInt(h.shardTokens().length);
    for (long c : h.shardTokens()) {
      out.writeLong(c);
    }
  }

  /**
   * Writes a model file: a checkpoint without the AdamW moments (the header, then the model
   * parameters, then the end marker), a third of the size. {@link #loadModel} and
   * {@link #readHeader} read it; {@link Trainer#resume} cannot.
   */
  public static void writeModel(Path file, Header h, LlamaModel model) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16))) {
      writeHeader(out, h);
      model.save(out);
      out.writeInt(MAGIC);
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Loaded pieces of a checkpoint, for {@link Trainer#resume}. */
  record Loaded(Header header, LlamaModel model, AdamW optimizer) {}

  static Loaded load(Path file, NDManager manager) throws IOException {
    try (DataInputStream in = open(file)) {
      Header h = readHeader(in, file);
      LlamaModel model = LlamaModel.load(h.model(), manager, in);
      AdamW opt = new AdamW(model.parameters(), h.train(), manager);
      try {
        opt.load(in, manager);
        if (in.readInt() != MAGIC) {
          throw new IOException(file + ": checkpoint is truncated or corrupt (no end marker)");
        }
      } catch (IOException | RuntimeException e) {
        opt.close();
        model.close();
        throw e;
      }
      return new Loaded(h, model, opt);
    }
  }

  private static DataInputStream open(Path file) throws IOException {
    return new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16));
  }

  private static Header readHeader(DataInputStream in, Path file) throws IOException {
    if (in.readInt() != MAGIC) {
      throw new IOException(file + ": not a checkpoint");
    }
    int format = in.readInt();
    if (format != FORMAT) {
      throw new IOException(file + ": checkpoint format " + format + ", this build reads " + FORMAT);
    }
    ModelConfig m = new ModelConfig(in.readInt(), in.readInt(), in.readInt(), in.readInt(), in.readInt(), in.readInt(),
        in.readDouble(), in.readLong());
    TrainConfig t = new TrainConfig(in.readInt(), in.readInt(), in.readInt(), in.readDouble(), in.readDouble(),
        in.readInt(), in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble(), in.readInt(),
        in.readLong());
    long step = in.readLong();
    long position = in.readLong();
    long tokens = in.readLong();
    int shards = in.readInt();
    if (shards < 0 || shards > 1_000_000) {
      throw new IOException(file + ": bad shard count " + shards);
    }
    long[] counts = new long[shards];
    for (int i = 0; i < shards; i++) {
      counts[i] = in.readLong();
    }
    return new Header(m, t, step, position, tokens, counts);
  }
}
