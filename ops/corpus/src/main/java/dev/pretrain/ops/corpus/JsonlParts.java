package dev.pretrain.ops.corpus;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Writes documents as JSON lines into {@code part-000.jsonl}, {@code part-001.jsonl}, ... in one
 * directory, starting a new part before one would pass {@code partBytes} (a larger document gets a part
 * of its own). Same documents in the same order give byte-identical parts.
 */
final class JsonlParts implements AutoCloseable {

  /** A written part: file name, SHA-256, size, and how many documents it holds. */
  record Part(String file, String sha256, long bytes, long docs) {}

  private static final JsonFactory JSON = new JsonFactory();

  private final Path dir;
  private final long partBytes;
  private final List<Part> parts = new ArrayList<>();
  private final ByteArrayOutputStream line = new ByteArrayOutputStream(1 << 16);
  private OutputStream out;
  private MessageDigest sha;
  private long bytes;
  private long docs;

  JsonlParts(Path dir, long partBytes) throws IOException {
    this.dir = dir;
    this.partBytes = partBytes;
    Files.createDirectories(dir);
  }

  void add(CorpusDocument d) throws IOException {
    line.reset();
    try (JsonGenerator g = JSON.createGenerator(line)) {
      g.writeStartObject();
      g.writeStringField("id", d.id());
      g.writeStringField("text", d.text());
      g.writeStringField("source", d.source());
      g.writeStringField("source_version", d.sourceVersion());
      g.writeStringField("path", d.path());
      g.writeStringField("license", d.license());
      g.writeStringField("language", d.language());
      g.writeStringField("jurisdiction", d.jurisdiction());
      g.writeEndObject();
    }
    line.write('\n');
    if (out != null && bytes > 0 && bytes + line.size() > partBytes) {
      closePart();
    }
    if (out == null) {
      openPart();
    }
    line.writeTo(out);
    sha.update(line.toByteArray(), 0, line.size());
    bytes += line.size();
    docs++;
  }

  private void openPart() throws IOException {
    String name = String.format("part-%03d.jsonl", parts.size());
    out = new java.io.BufferedOutputStream(Files.newOutputStream(dir.resolve(name)), 1 << 16);
    sha = Hashes.digest("SHA-256");
    bytes = 0;
    docs = 0;
  }

  private void closePart() throws IOException {
    out.close();
    parts.add(new Part(String.format("part-%03d.jsonl", parts.size()), HexFormat.of().formatHex(sha.digest()), bytes,
        docs));
    out = null;
  }

  /** Closes the last part and returns all parts in order. */
  List<Part> finish() throws IOException {
    if (out != null) {
      closePart();
    }
    return List.copyOf(parts);
  }

  @Override
  public void close() throws IOException {
    if (out != null) {
      out.close();
      out = null;
    }
  }
}
