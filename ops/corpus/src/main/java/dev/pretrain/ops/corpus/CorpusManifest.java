package dev.pretrain.ops.corpus;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code <dataDir>/corpus/<name>/manifest.json}: what each source was built from (package, version,
 * registry checksum, spec hash) and the JSONL parts it gave, with their SHA-256. A later fetch whose
 * spec hash matches trusts it instead of downloading again.
 */
public record CorpusManifest(int formatVersion, String corpus, List<SourceEntry> sources) {

  public record SourceEntry(
      String id, String specHash, String registry, String packageName, String version, String checksumAlgo,
      String checksum, String jurisdiction, String language, Map<String, Long> licenses, long filesSelected,
      long filesUsed, long md5Verified, Map<String, Long> skipped, Map<String, List<String>> skippedExamples,
      Map<String, Long> notes, long docs, long textBytes, List<JsonlParts.Part> parts, String fetchedAt) {

    public long jsonlBytes() {
      return parts.stream().mapToLong(JsonlParts.Part::bytes).sum();
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public Optional<SourceEntry> source(String id) {
    return sources.stream().filter(s -> s.id().equals(id)).findFirst();
  }

  public static Optional<CorpusManifest> read(Path file) {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      CorpusManifest m = JSON.readValue(file.toFile(), CorpusManifest.class);
      return m.formatVersion() == CorpusFetcher.FORMAT_VERSION ? Optional.of(m) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty(); // unreadable manifest: rebuild, the downloads are still cached
    }
  }

  public void write(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    JSON.writeValue(tmp.toFile(), this);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
