package dev.pretrain.activities.export;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal GGUF reader for tests, written from the format description in {@link GgufWriter}, not
 * from the writer's code: reads the whole file, checks magic, version and alignment, and gives the
 * metadata (unsigned integers as {@code Long}, INT32 as {@code Integer}, FLOAT32 as {@code Float},
 * BOOL as {@code Boolean}, STRING as {@code String}, arrays as {@code List}) and each tensor's raw bytes.
 */
final class GgufTestReader {

  record TensorInfo(String name, long[] ne, int type, long offset) {
    long count() {
      long n = 1;
      for (long d : ne) {
        n *= d;
      }
      return n;
    }
  }

  final int version;
  final Map<String, Object> metadata = new LinkedHashMap<>();
  final Map<String, Integer> valueTypes = new LinkedHashMap<>();
  final List<TensorInfo> tensors = new ArrayList<>();
  final int alignment;
  final long dataStart;
  final long fileSize;
  private final ByteBuffer buf;

  GgufTestReader(Path file) throws IOException {
    this(Files.readAllBytes(file));
  }

  GgufTestReader(byte[] bytes) {
    buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    fileSize = bytes.length;
    byte[] magic = new byte[4];
    buf.get(magic);
    if (!Arrays.equals(magic, "GGUF".getBytes(StandardCharsets.US_ASCII))) {
      throw new IllegalStateException("not GGUF: " + Arrays.toString(magic));
    }
    version = buf.getInt();
    long nTensors = buf.getLong();
    long nKv = buf.getLong();
    for (long i = 0; i < nKv; i++) {
      String key = string();
      int type = buf.getInt();
      valueTypes.put(key, type);
      if (metadata.put(key, value(type)) != null) {
        throw new IllegalStateException("duplicate key " + key);
      }
    }
    for (long i = 0; i < nTensors; i++) {
      String name = string();
      int nDims = buf.getInt();
      long[] ne = new long[nDims];
      for (int d = 0; d < nDims; d++) {
        ne[d] = buf.getLong();
      }
      tensors.add(new TensorInfo(name, ne, buf.getInt(), buf.getLong()));
    }
    Object a = metadata.get("general.alignment");
    alignment = a == null ? 32 : (int) (long) (Long) a;
    long pos = buf.position();
    dataStart = (pos + alignment - 1) / alignment * alignment;
    for (long p = pos; p < dataStart; p++) {
      if (bytes[(int) p] != 0) {
        throw new IllegalStateException("padding before the data is not zero at " + p);
      }
    }
  }

  TensorInfo tensor(String name) {
    return tensors.stream().filter(t -> t.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no tensor " + name));
  }

  /** The raw bytes of a tensor: {@code nbytes} from its offset in the data section. */
  byte[] data(TensorInfo t, long nbytes) {
    byte[] out = new byte[Math.toIntExact(nbytes)];
    buf.get(Math.toIntExact(dataStart + t.offset()), out);
    return out;
  }

  /** The bytes a tensor takes for the types we know: F32 0, F16 1, Q4_0 2, Q8_0 8. */
  static long nbytes(TensorInfo t) {
    return switch (t.type()) {
      case 0 -> 4 * t.count();
      case 1 -> 2 * t.count();
      case 2 -> t.count() / 32 * 18;
      case 8 -> t.count() / 32 * 34;
      default -> throw new IllegalArgumentException("type " + t.type());
    };
  }

  private String string() {
    long n = buf.getLong();
    byte[] b = new byte[Math.toIntExact(n)];
    buf.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  private Object value(int type) {
    return switch (type) {
      case 0 -> (long) (buf.get() & 0xFF);
      case 1 -> (int) buf.get();
      case 2 -> (long) (buf.getShort() & 0xFFFF);
      case 3 -> (int) buf.getShort();
      case 4 -> Integer.toUnsignedLong(buf.getInt());
      case 5 -> buf.getInt();
      case 6 -> buf.getFloat();
      case 7 -> {
        byte b = buf.get();
        if (b != 0 && b != 1) {
          throw new IllegalStateException("bool byte " + b);
        }
        yield b == 1;
      }
      case 8 -> string();
      case 9 -> {
        int elementType = buf.getInt();
        long n = buf.getLong();
        List<Object> items = new ArrayList<>();
        for (long i = 0; i < n; i++) {
          items.add(value(elementType));
        }
        yield items;
      }
      case 10 -> buf.getLong();
      case 11 -> buf.getLong();
      case 12 -> buf.getDouble();
      default -> throw new IllegalStateException("value type " + type);
    };
  }
}
