package dev.pretrain.activities.export;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a GGUF file, version 3, the format llama.cpp loads. Everything is little-endian:
 *
 * <pre>
 *   u32 magic 0x46554747 ("GGUF" as bytes), u32 version 3, u64 tensor count, u64 key/value count
 *   key/value pairs, in the order added:
 *     string key, u32 value type, value
 *   tensor infos, in the order added:
 *     string name, u32 n_dims, n_dims x u64 ne (ne[0] innermost: a row's length), u32 ggml type,
 *     u64 offset of the data from the start of the data section (a multiple of the alignment)
 *   zero padding to the alignment, then the data section: each tensor's data, zero-padded to the
 *   alignment
 *
 *   string = u64 byte length + UTF-8 bytes (no terminator); bool = one byte 0/1;
 *   array  = u32 element type + u64 count + elements (strings as above)
 * </pre>
 *
 * The alignment is 32 bytes unless {@link #GgufWriter(int)} asks for another power of two, which is
 * then recorded as {@code general.alignment} (uint32) as readers expect; with 32 the key is left
 * out, as llama.cpp's own writer does. Shapes are given to {@link #addTensor} outermost first
 * (row-major, like our weight arrays) and stored reversed, as ggml's {@code ne}.
 *
 * <p>Tensor data is pulled from a {@link TensorData} callback while writing, so a caller can
 * convert one tensor at a time; the number of bytes it writes is checked against the type and shape.
 * Not thread-safe; one writer writes one file.
 */
public final class GgufWriter {

  public static final int MAGIC = 0x46554747;
  public static final int VERSION = 3;
  public static final int DEFAULT_ALIGNMENT = 32;
  /** ggml's GGML_MAX_NAME: a tensor name has at most 63 bytes (64 with its terminator in C). */
  public static final int MAX_NAME_BYTES = 63;
  /** ggml's GGML_MAX_DIMS. */
  public static final int MAX_DIMS = 4;

  /** GGUF metadata value types. */
  public enum ValueType {
    UINT8(0), INT8(1), UINT16(2), INT16(3), UINT32(4), INT32(5), FLOAT32(6), BOOL(7), STRING(8), ARRAY(9),
    UINT64(10), INT64(11), FLOAT64(12);

    public final int id;

    ValueType(int id) {
      this.id = id;
    }
  }

  /** The ggml tensor types we write: id, values per block, bytes per block. */
  public enum TensorType {
    F32(0, 1, 4), F16(1, 1, 2), Q4_0(2, 32, 18), Q8_0(8, 32, 34);

    public final int id;
    public final int blockSize;
    public final int blockBytes;

    TensorType(int id, int blockSize, int blockBytes) {
      this.id = id;
      this.blockSize = blockSize;
      this.blockBytes = blockBytes;
    }

    /** Bytes of a tensor of this type whose rows have {@code rowLength} values, {@code count} values in all. */
    public long bytes(long rowLength, long count) {
      if (rowLength % blockSize != 0) {
        throw new IllegalArgumentException(this + " needs rows that are whole blocks of " + blockSize
            + " values, got rows of " + rowLength);
      }
      return count / blockSize * blockBytes;
    }
  }

  /** Writes a tensor's data, exactly the bytes its type and shape call for. */
  @FunctionalInterface
  public interface TensorData {
    void writeTo(OutputStream out) throws IOException;
  }

  private record Value(ValueType type, ValueType elementType, Object value) {}

  private record Tensor(String name, TensorType type, long[] ne, long bytes, TensorData data) {}

  private final int alignment;
  private final Map<String, Value> values = new LinkedHashMap<>();
  private final List<Tensor> tensors = new ArrayList<>();
  private final Map<String, Boolean> tensorNames = new LinkedHashMap<>();

  public GgufWriter() {
    this(DEFAULT_ALIGNMENT);
  }

  public GgufWriter(int alignment) {
    if (alignment <= 0 || Integer.bitCount(alignment) != 1) {
      throw new IllegalArgumentException("alignment must be a power of two, got " + alignment);
    }
    this.alignment = alignment;
    if (alignment != DEFAULT_ALIGNMENT) {
      putUint32("general.alignment", alignment);
    }
  }

  public int alignment() {
    return alignment;
  }

  /** An unsigned 32-bit value; {@code value} is read as unsigned (use {@link Integer#toUnsignedLong} to show it). */
  public GgufWriter putUint32(String key, int value) {
    return put(key, new Value(ValueType.UINT32, null, value));
  }

  public GgufWriter putInt32(String key, int value) {
    return put(key, new Value(ValueType.INT32, null, value));
  }

  public GgufWriter putUint64(String key, long value) {
    return put(key, new Value(ValueType.UINT64, null, value));
  }

  public GgufWriter putFloat32(String key, float value) {
    return put(key, new Value(ValueType.FLOAT32, null, value));
  }

  public GgufWriter putBool(String key, boolean value) {
    return put(key, new Value(ValueType.BOOL, null, value));
  }

  public GgufWriter putString(String key, String value) {
    return put(key, new Value(ValueType.STRING, null, utf8(value)));
  }

  public GgufWriter putStringArray(String key, List<String> value) {
    List<byte[]> encoded = new ArrayList<>(value.size());
    for (String s : value) {
      encoded.add(utf8(s));
    }
    return put(key, new Value(ValueType.ARRAY, ValueType.STRING, encoded));
  }

  public GgufWriter putInt32Array(String key, int[] value) {
    return put(key, new Value(ValueType.ARRAY, ValueType.INT32, value.clone()));
  }

  public GgufWriter putFloat32Array(String key, float[] value) {
    return put(key, new Value(ValueType.ARRAY, ValueType.FLOAT32, value.clone()));
  }

  /**
   * Adds a tensor; its data is written, in order of addition, by {@link #write}.
   *
   * @param shape sizes outermost first ({@code [rows, rowLength]} for a matrix); stored reversed
   * @param data  writes exactly {@link TensorType#bytes} bytes for this shape
   */
  public GgufWriter addTensor(String name, TensorType type, long[] shape, TensorData data) {
    byte[] n = utf8(name);
    if (n.length == 0 || n.length > MAX_NAME_BYTES) {
      throw new IllegalArgumentException("tensor name must have 1.." + MAX_NAME_BYTES + " bytes: " + name);
    }
    if (tensorNames.put(name, Boolean.TRUE) != null) {
      throw new IllegalArgumentException("duplicate tensor " + name);
    }
    if (shape.length < 1 || shape.length > MAX_DIMS) {
      throw new IllegalArgumentException(name + ": 1.." + MAX_DIMS + " dimensions, got " + shape.length);
    }
    long[] ne = new long[shape.length];
    long count = 1;
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] < 1) {
        throw new IllegalArgumentException(name + ": sizes must be positive, got " + java.util.Arrays.toString(shape));
      }
      ne[i] = shape[shape.length - 1 - i];
      count = Math.multiplyExact(count, shape[i]);
    }
    long bytes;
    try {
      bytes = type.bytes(ne[0], count);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
    }
    tensors.add(new Tensor(name, type, ne, bytes, data));
    return this;
  }

  /** Convenience: a tensor whose data is already in memory. */
  public GgufWriter addTensor(String name, TensorType type, long[] shape, byte[] data) {
    return addTensor(name, type, shape, out -> out.write(data));
  }

  /** Writes the file through a temporary sibling that is renamed into place when complete. */
  public long write(Path file) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    long n;
    try (OutputStream out = Files.newOutputStream(tmp)) {
      n = write(out);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return n;
  }

  /** Writes the whole file to {@code sink} (not closed) and returns the number of bytes written. */
  public long write(OutputStream sink) throws IOException {
    Counting out = new Counting(new BufferedOutputStream(sink, 1 << 16));
    ByteBuffer h = le(24);
    h.putInt(MAGIC).putInt(VERSION).putLong(tensors.size()).putLong(values.size());
    out.write(h.array());
    for (Map.Entry<String, Value> e : values.entrySet()) {
      writeString(out, utf8(e.getKey()));
      Value v = e.getValue();
      writeU32(out, v.type().id);
      writeValue(out, v);
    }
    long offset = 0;
    for (Tensor t : tensors) {
      writeString(out, utf8(t.name()));
      writeU32(out, t.ne().length);
      ByteBuffer dims = le(8 * t.ne().length);
      for (long d : t.ne()) {
        dims.putLong(d);
      }
      out.write(dims.array());
      writeU32(out, t.type().id);
      ByteBuffer off = le(8).putLong(offset);
      out.write(off.array());
      offset += pad(t.bytes());
    }
    padTo(out, out.count);
    long dataStart = out.count;
    for (Tensor t : tensors) {
      long before = out.count;
      t.data().writeTo(out);
      long written = out.count - before;
      if (written != t.bytes()) {
        throw new IOException(t.name() + ": " + t.type() + " " + java.util.Arrays.toString(t.ne()) + " needs "
            + t.bytes() + " bytes, its data wrote " + written);
      }
      padTo(out, written);
    }
    if (out.count - dataStart != offset) {
      throw new IllegalStateException("data section is " + (out.count - dataStart) + " bytes, offsets say " + offset);
    }
    out.flush();
    return out.count;
  }

  private long pad(long n) {
    return (n + alignment - 1) / alignment * alignment;
  }

  private void padTo(OutputStream out, long n) throws IOException {
    out.write(new byte[(int) (pad(n) - n)]);
  }

  private GgufWriter put(String key, Value v) {
    if (key.isEmpty()) {
      throw new IllegalArgumentException("empty key");
    }
    if (values.containsKey(key)) {
      throw new IllegalArgumentException("duplicate key " + key);
    }
    values.put(key, v);
    return this;
  }

  private static void writeValue(OutputStream out, Value v) throws IOException {
    switch (v.type()) {
      case UINT32, INT32 -> writeU32(out, (Integer) v.value());
      case UINT64 -> out.write(le(8).putLong((Long) v.value()).array());
      case FLOAT32 -> out.write(le(4).putFloat((Float) v.value()).array());
      case BOOL -> out.write((Boolean) v.value() ? 1 : 0);
      case STRING -> writeString(out, (byte[]) v.value());
      case ARRAY -> {
        writeU32(out, v.elementType().id);
        switch (v.elementType()) {
          case STRING -> {
            @SuppressWarnings("unchecked")
            List<byte[]> items = (List<byte[]>) v.value();
            out.write(le(8).putLong(items.size()).array());
            for (byte[] s : items) {
              writeString(out, s);
            }
          }
          case INT32 -> {
            int[] items = (int[]) v.value();
            ByteBuffer b = le(8 + 4L * items.length);
            b.putLong(items.length);
            for (int x : items) {
              b.putInt(x);
            }
            out.write(b.array());
          }
          case FLOAT32 -> {
            float[] items = (float[]) v.value();
            ByteBuffer b = le(8 + 4L * items.length);
            b.putLong(items.length);
            for (float x : items) {
              b.putFloat(x);
            }
            out.write(b.array());
          }
          default -> throw new IllegalStateException("array of " + v.elementType());
        }
      }
      default -> throw new IllegalStateException("value type " + v.type());
    }
  }

  private static void writeString(OutputStream out, byte[] s) throws IOException {
    out.write(le(8).putLong(s.length).array());
    out.write(s);
  }

  private static void writeU32(OutputStream out, int v) throws IOException {
    out.write(le(4).putInt(v).array());
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static ByteBuffer le(long n) {
    return ByteBuffer.allocate(Math.toIntExact(n)).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Counts bytes so the writer knows where padding goes. */
  private static final class Counting extends FilterOutputStream {
    long count;

    Counting(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }
  }
}
