package dev.pretrain.batch.ingest;

import java.util.Locale;

/** How an input file is read, decided by its name: {@code .jsonl}, plain text, each optionally {@code .gz}. */
enum InputFormat {
  /** One JSON object per line. */
  JSONL,
  /** The whole file is one document. */
  TEXT;

  static InputFormat of(String uri) {
    return stripGz(uri).toLowerCase(Locale.ROOT).endsWith(".jsonl") ? JSONL : TEXT;
  }

  static boolean gzipped(String uri) {
    return uri.toLowerCase(Locale.ROOT).endsWith(".gz");
  }

  private static String stripGz(String uri) {
    return gzipped(uri) ? uri.substring(0, uri.length() - 3) : uri;
  }
}
