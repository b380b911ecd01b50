package dev.pretrain.activities.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pretrain.activities.export.GgufWriter.TensorType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufWriterTest {

  @Test
  void headerMetadataTensorInfosAndAlignedData(@TempDir Path dir) throws IOException {
    GgufWriter g = new GgufWriter()
        .putString("general.architecture", "llama")
        .putUint32("u32", 0xFFFFFFFE)
        .putInt32("i32", -7)
        .putUint64("u64", 1L << 40)
        .putFloat32("f32", 1e-5f)
        .putBool("yes", true)
        .putBool("no", false)
        .putString("utf8", "Ġ\u00e9\u4e2d")
        .putStringArray("strings", List.of("a", "", "Ċ b"))
        .putInt32Array("ints", new int[] {1, -2, 3})
        .putFloat32Array("floats", new float[] {0.5f, -1f});
    byte[] a = new byte[4 * 3 * 5]; // F32 [3, 5]: 60 bytes, padded to 64
    for (int i = 0; i < a.length; i++) {
      a[i] = (byte) (i + 1);
    }
    byte[] b = new byte[34 * 2]; // Q8_0 [1, 64]: two blocks
    Arrays.fill(b, (byte) 0x5A);
    byte[] c = new byte[18]; // Q4_0 [32]
    Arrays.fill(c, (byte) 0x33);
    g.addTensor("a", TensorType.F32, new long[] {3, 5}, a);
    g.addTensor("b", TensorType.Q8_0, new long[] {1, 64}, b);
    g.addTensor("c.weight", TensorType.Q4_0, new long[] {32}, c);
    Path file = dir.resolve("t.gguf");
    long written = g.write(file);
    byte[] raw = Files.readAllBytes(file);
    assertEquals(written, raw.length);
    assertFalse(Files.exists(dir.resolve("t.gguf.tmp")));

    // the fixed header, byte by byte
    ByteBuffer h = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
    assertArrayEquals(new byte[] {'G', 'G', 'U', 'F'}, Arrays.copyOf(raw, 4));
    assertEquals(3, h.getInt(4));
    assertEquals(3L, h.getLong(8));
    assertEquals(11L, h.getLong(16));

    GgufTestReader r = new GgufTestReader(raw);
    assertEquals(3, r.version);
    assertEquals(List.of("general.architecture", "u32", "i32", "u64", "f32", "yes", "no", "utf8", "strings", "ints",
        "floats"), List.copyOf(r.metadata.keySet()));
    assertEquals("llama", r.metadata.get("general.architecture"));
    assertEquals(0xFFFFFFFEL, r.metadata.get("u32"));
    assertEquals(4, r.valueTypes.get("u32"));
    assertEquals(-7, r.metadata.get("i32"));
    assertEquals(5, r.valueTypes.get("i32"));
    assertEquals(1L << 40, r.metadata.get("u64"));
    assertEquals(1e-5f, r.metadata.get("f32"));
    assertEquals(true, r.metadata.get("yes"));
    assertEquals(false, r.metadata.get("no"));
    assertEquals("Ġ\u00e9\u4e2d", r.metadata.get("utf8"));
    assertEquals(List.of("a", "", "Ċ b"), r.metadata.get("strings"));
    assertEquals(List.of(1, -2, 3), r.metadata.get("ints"));
    assertEquals(List.of(0.5f, -1f), r.metadata.get("floats"));
    assertEquals(9, r.valueTypes.get("ints"));

    assertEquals(3, r.tensors.size());
    GgufTestReader.TensorInfo ta = r.tensor("a");
    assertArrayEquals(new long[] {5, 3}, ta.ne()); // ne[0] is the row length
    assertEquals(0, ta.type());
    assertEquals(0, ta.offset());
    GgufTestReader.TensorInfo tb = r.tensor("b");
    assertArrayEquals(new long[] {64, 1}, tb.ne());
    assertEquals(8, tb.type());
    assertEquals(64, tb.offset()); // 60 bytes padded to 64
    GgufTestReader.TensorInfo tc = r.tensor("c.weight");
    assertArrayEquals(new long[] {32}, tc.ne());
    assertEquals(2, tc.type());
    assertEquals(64 + 96, tc.offset()); // 68 bytes padded to 96
    assertEquals(0, r.dataStart % 32);
    assertEquals(r.dataStart + 64 + 96 + 32, raw.length); // the last tensor is padded too
    assertArrayEquals(a, r.data(ta, a.length));
    assertArrayEquals(b, r.data(tb, b.length));
    assertArrayEquals(c, r.data(tc, c.length));
    for (int i = 60; i < 64; i++) {
      assertEquals(0, raw[(int) r.dataStart + i], "padding after a");
    }
  }

  @Test
  void otherAlignmentIsRecorded() throws IOException {
    GgufWriter g = new GgufWriter(64).putString("general.name", "x");
    g.addTensor("t", TensorType.F16, new long[] {3}, new byte[6]);
    g.addTensor("u", TensorType.F16, new long[] {3}, new byte[6]);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    g.write(out);
    GgufTestReader r = new GgufTestReader(out.toByteArray());
    assertEquals(64L, r.metadata.get("general.alignment"));
    assertEquals(4, r.valueTypes.get("general.alignment"));
    assertEquals(64, r.alignment);
    assertEquals(0, r.dataStart % 64);
    assertEquals(64, r.tensor("u").offset());
    assertEquals(r.dataStart + 128, out.size());
  }

  @Test
  void refusesWhatLlamaCppCannotRead() {
    GgufWriter g = new GgufWriter();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> g.addTensor("w", TensorType.Q8_0, new long[] {2, 40}, new byte[0]));
    assertTrue(e.getMessage().contains("whole blocks of 32"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> g.addTensor("x".repeat(64), TensorType.F32, new long[] {1},
        new byte[4]));
    assertThrows(IllegalArgumentException.class, () -> g.addTensor("x", TensorType.F32, new long[] {1, 1, 1, 1, 1},
        new byte[4]));
    g.addTensor("ok", TensorType.F32, new long[] {1}, new byte[4]);
    assertThrows(IllegalArgumentException.class, () -> g.addTensor("ok", TensorType.F32, new long[] {1}, new byte[4]));
    g.putString("k", "v");
    assertThrows(IllegalArgumentException.class, () -> g.putUint32("k", 1));
    assertThrows(IllegalArgumentException.class, () -> new GgufWriter(48));
  }

  @Test
  void dataOfTheWrongSizeFailsAndLeavesNoFile(@TempDir Path dir) {
    GgufWriter g = new GgufWriter();
    g.addTensor("t", TensorType.F32, new long[] {2, 2}, new byte[12]);
    Path file = dir.resolve("bad.gguf");
    IOException e = assertThrows(IOException.class, () -> g.write(file));
    assertTrue(e.getMessage().contains("needs 16 bytes"), e.getMessage());
    assertFalse(Files.exists(file));
    assertFalse(Files.exists(dir.resolve("bad.gguf.tmp")));
  }
}
