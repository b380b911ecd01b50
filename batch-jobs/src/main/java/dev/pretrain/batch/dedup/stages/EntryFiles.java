package dev.pretrain.batch.dedup.stages;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import dev.pretrain.db.storage.ObjectStore;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The dedup stages' intermediate files: a header ({@code PPDD}, format version), then a Zstandard
 * stream (level 1: entries repeat ids and sources, and the files are written once and read once) of
 * the entry kind and the entries, each preceded by a 1 byte, then a 0 byte. A file cut short is an
 * error, never a shorter list. Written locally, then uploaded; read back streaming from object storage.
 */
public final class EntryFiles {

  private static final int MAGIC = 0x50504444; // "PPDD"
  private static final int VERSION = 2;
  private static final int ZSTD_LEVEL = 1;

  /** What one entry is written as. */
  public interface Codec<T> {
    void write(DataOutputStream out, T entry) throws IOException;

    T read(DataInputStream in) throws IOException;
  }

  private EntryFiles() {}

  /** An entry file being written locally; {@link #upload} closes it and stores it. */
  public static final class Writer<T> implements AutoCloseable {
    private final Path file;
    private final String kind;
    private final Codec<T> codec;
    private final DataOutputStream out;
    private long entries;
    private boolean closed;

    public Writer(Path file, String kind, Codec<T> codec) {
      this.file = file;
      this.kind = kind;
      this.codec = codec;
      try {
        Files.createDirectories(file.toAbsolutePath().getParent());
        OutputStream raw = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
        DataOutputStream header = new DataOutputStream(raw);
        header.writeInt(MAGIC);
        header.writeInt(VERSION);
        header.flush();
        out = new DataOutputStream(new BufferedOutputStream(new ZstdOutputStream(raw, ZSTD_LEVEL), 1 << 16));
        out.writeUTF(kind);
      } catch (IOException e) {
        throw new UncheckedIOException("create " + file, e);
      }
    }

    public void add(T entry) {
      try {
        out.writeByte(1);
        codec.write(out, entry);
        entries++;
      } catch (IOException e) {
        throw new UncheckedIOException("write " + file, e);
      }
    }

    public long entries() {
      return entries;
    }

    public ObjectStore.Stored upload(ObjectStore store, String bucket, String key) {
      close();
      ObjectStore.Stored stored = store.putFile(bucket, key, file, "application/octet-stream");
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        throw new UncheckedIOException("delete " + file, e);
      }
      return stored;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        try {
          out.writeByte(0);
          out.close();
        } catch (IOException e) {
          throw new UncheckedIOException("close " + file, e);
        }
      }
    }

    @Override
    public String toString() {
      return kind + " " + file;
    }
  }

  /** Every entry of a stored entry file of the given kind, in file order. */
  public static <T> List<T> readAll(ObjectStore store, ObjectStore.Stored stored, String kind, Codec<T> codec) {
    List<T> out = new ArrayList<>();
    forEach(store, stored, kind, codec, out::add);
    return out;
  }

  /** Streams the entries of a stored entry file to {@code sink}. */
  public static <T> void forEach(ObjectStore store, ObjectStore.Stored stored, String kind, Codec<T> codec,
      java.util.function.Consumer<T> sink) {
    String where = stored.uri();
    try (InputStream raw = new BufferedInputStream(store.open(stored.bucket(), stored.key()), 1 << 16)) {
      DataInputStream header = new DataInputStream(raw);
      if (header.readInt() != MAGIC) {
        throw new IllegalStateException(where + ": not a dedup entry file (bad magic)");
      }
      int version = header.readInt();
      if (version != VERSION) {
        throw new IllegalStateException(where + ": entry file format " + version + ", this code reads " + VERSION);
      }
      DataInputStream in = new DataInputStream(new BufferedInputStream(new ZstdInputStream(raw), 1 << 16));
      String actual = in.readUTF();
      if (!actual.equals(kind)) {
        throw new IllegalStateException(where + ": holds " + actual + " entries, expected " + kind);
      }
      long n = 0;
      while (true) {
        int marker = in.readByte();
        if (marker == 0) {
          break;
        }
        if (marker != 1) {
          throw new IllegalStateException(where + ": entry " + (n + 1) + " has marker " + marker);
        }
        sink.accept(codec.read(in));
        n++;
      }
    } catch (EOFException e) {
      throw new IllegalStateException(where + ": cut short (no end marker)", e);
    } catch (IOException e) {
      throw new UncheckedIOException("read " + where, e);
    }
  }
}
