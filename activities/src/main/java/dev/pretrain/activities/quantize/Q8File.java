package dev.pretrain.activities.quantize;

import ai.djl.ndarray.types.Shape;
import dev.pretrain.activities.train.ModelConfig;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Our container for a {@link QuantizedModel} ({@code model-q8_0.bin}): enough to rebuild the model
 * without the checkpoint, in the byte layout GGUF uses for the same tensors, so an exporter only
 * has to rewrite the header. All numbers little-endian.
 *
 * <pre>
 *   char[4]  magic "PTQ8", u32 format version (1)
 *   u32 x 6  vocabSize, contextLength, dModel, layers, heads, ffnHidden
 *   f64      ropeTheta, i64 seed
 *   u32      tensor count, then per tensor, in the model's parameter order:
 *     u32 name length, UTF-8 name
 *     u32 dimensions n, then n x u64 sizes, outermost first ([out, in] for a weight matrix)
 *     u32 type: 0 = F32, 8 = Q8_0 (GGML's type ids)
 *     u64 data bytes, then the data: F32 values, or for Q8_0 each row as its own run of 34-byte
 *         blocks (fp16 scale, 32 int8), the last block of a row zero-padded (see {@link Q8_0})
 * </pre>
 * Written to a temporary sibling and renamed, like checkpoints.
 */
public final class Q8File {

  public static final byte[] MAGIC = "PTQ8".getBytes(StandardCharsets.US_ASCII);
  public static final int FORMAT = 1;
  public static final int TYPE_F32 = 0;
  public static final int TYPE_Q8_0 = 8;

  private Q8File() {}

  public static void write(Path file, QuantizedModel model) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
      ModelConfig c = model.config();
      ByteBuffer h = le(4 + 4 + 6 * 4 + 8 + 8 + 4);
      h.put(MAGIC).putInt(FORMAT).putInt(c.vocabSize()).putInt(c.contextLength()).putInt(c.dModel())
          .putInt(c.layers()).putInt(c.heads()).putInt(c.ffnHidden()).putDouble(c.ropeTheta()).putLong(c.seed())
          .putInt(model.tensors().size());
      out.write(h.array());
      for (QuantizedModel.Tensor t : model.tensors().values()) {
        byte[] name = t.name().getBytes(StandardCharsets.UTF_8);
        long[] dims = t.shape().getShape();
        ByteBuffer th = le(4 + name.length + 4 + 8 * dims.length + 4 + 8);
        th.putInt(name.length).put(name).putInt(dims.length);
        for (long d : dims) {
          th.putLong(d);
        }
        th.putInt(t.quantized() ? TYPE_Q8_0 : TYPE_F32).putLong(t.storedBytes());
        out.write(th.array());
        if (t.quantized()) {
          out.write(t.q8());
        } else {
          ByteBuffer f = le(4 * t.f32().length);
          f.asFloatBuffer().put(t.f32());
          out.write(f.array());
        }
      }
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  public static QuantizedModel read(Path file) throws IOException {
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
      byte[] magic = in.readNBytes(4);
      if (!java.util.Arrays.equals(magic, MAGIC)) {
        throw new IOException(file + ": not a PTQ8 file");
      }
      ByteBuffer h = read(in, 4 + 6 * 4 + 8 + 8 + 4);
      int format = h.getInt();
      if (format != FORMAT) {
        throw new IOException(file + ": PTQ8 format " + format + ", this build reads " + FORMAT);
      }
      ModelConfig c = new ModelConfig(h.getInt(), h.getInt(), h.getInt(), h.getInt(), h.getInt(), h.getInt(),
          h.getDouble(), h.getLong());
      int count = h.getInt();
      List<QuantizedModel.Tensor> tensors = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        String name = new String(in.readNBytes(read(in, 4).getInt()), StandardCharsets.UTF_8);
        int n = read(in, 4).getInt();
        ByteBuffer d = read(in, 8 * n);
        long[] dims = new long[n];
        for (int k = 0; k < n; k++) {
          dims[k] = d.getLong();
        }
        ByteBuffer th = read(in, 12);
        int type = th.getInt();
        int bytes = Math.toIntExact(th.getLong());
        byte[] data = readFully(in, bytes, file);
        if (type == TYPE_Q8_0) {
          tensors.add(new QuantizedModel.Tensor(name, new Shape(dims), data, null));
        } else if (type == TYPE_F32) {
          float[] f = new float[bytes / 4];
          ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
          tensors.add(new QuantizedModel.Tensor(name, new Shape(dims), null, f));
        } else {
          throw new IOException(file + ": tensor " + name + " has unknown type " + type);
        }
      }
      return QuantizedModel.of(c, tensors);
    }
  }

  private static ByteBuffer le(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static ByteBuffer read(InputStream in, int size) throws IOException {
    return ByteBuffer.wrap(readFully(in, size, null)).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static byte[] readFully(InputStream in, int size, Path file) throws IOException {
    byte[] b = in.readNBytes(size);
    if (b.length != size) {
      throw new IOException((file == null ? "PTQ8 file" : file) + " is truncated");
    }
    return b;
  }
}
