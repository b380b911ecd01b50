package dev.pretrain.batch.ingest;

import java.util.Locale;

/**
 * How an input file is read, decided by its name: {@code .jsonl} or plain text, each optionally
 * compressed with gzip ({@code .gz}) or Zstandard ({@code .zst}); or {@code .parquet} (compressed
 * inside, by columns); or a WARC web crawl, {@code .warc} or {@code .warc.gz} (its gzip members are
 * read by the WARC reader itself).
 */
enum InputFormat {
  /** One JSON object per line. */
  JSONL,
  /** The whole file is one document. */
  TEXT,
  /** One record per row, columns as fields (like a JSONL object). */
  PARQUET,
  /** One record per WARC response/resource/conversion record, as the JSON object of its text and capture. */
  WARC;

  /** Formats whose records are field maps (validated like a JSON object), not whole texts. */
  boolean hasFields() {
    return this != TEXT;
  }

  /** The compression of the stored bytes, by the name's last extension. */
  enum Compression {
    NONE(""),
    GZIP(".gz"),
    ZSTD(".zst");

    private final String extension;

    Compression(String extension) {
      this.extension = extension;
    }

    /** True when offsets and lengths in messages refer to the decompressed stream. */
    boolean compressed() {
      return this != NONE;
    }

    /** The name used in messages: "gzip", "zstd". */
    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  static InputFormat of(String uri) {
    String name = uri.toLowerCase(Locale.ROOT);
    if (name.endsWith(".parquet")) {
      return PARQUET;
    }
    if (name.endsWith(".warc") || name.endsWith(".warc.gz")) {
      return WARC;
    }
    Compression c = compression(uri);
    return name.substring(0, name.length() - c.extension.length()).endsWith(".jsonl") ? JSONL : TEXT;
  }

  static Compression compression(String uri) {
    String name = uri.toLowerCase(Locale.ROOT);
    for (Compression c : new Compression[] {Compression.GZIP, Compression.ZSTD}) {
      if (name.endsWith(c.extension)) {
        return c;
      }
    }
    return Compression.NONE;
  }
}
