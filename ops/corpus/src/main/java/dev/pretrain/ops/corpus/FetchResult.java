package dev.pretrain.ops.corpus;

import java.util.List;
import java.util.Map;

/**
 * What a corpus fetch produced. {@link #inputUri()} is the run input ({@code s3://bucket/prefix/});
 * status is "fetched" if anything was downloaded or rebuilt, "reuploaded" if only S3 objects were
 * restored from local files, "cached" if nothing had to be done.
 */
public record FetchResult(
    String corpus, String bucket, String prefix, String status, List<SourceResult> sources, long millis) {

  /**
   * One source.
   *
   * @param status fetched | rebuilt (from the download cache) | reuploaded | cached | local (no upload)
   * @param license summary: the licenses of its documents, most frequent first
   * @param licenses documents per license
   * @param skipped files selected by the spec but not used, per reason
   * @param uris the source's S3 objects (empty for a local build)
   * @param localFiles the JSONL parts under the data directory
   */
  public record SourceResult(
      String id, String registry, String packageName, String version, String checksumAlgo, String checksum,
      String license, Map<String, Long> licenses, long filesUsed, Map<String, Long> skipped, long docs,
      long textBytes, long jsonlBytes, List<String> uris, List<String> localFiles, String status) {}

  public String inputUri() {
    return "s3://" + bucket + "/" + (prefix.isEmpty() ? "" : prefix + "/");
  }

  public List<String> uris() {
    return sources.stream().flatMap(s -> s.uris().stream()).toList();
  }

  public int parts() {
    return sources.stream().mapToInt(s -> s.localFiles().size()).sum();
  }

  public long docs() {
    return sources.stream().mapToLong(SourceResult::docs).sum();
  }

  public long textBytes() {
    return sources.stream().mapToLong(SourceResult::textBytes).sum();
  }

  public long jsonlBytes() {
    return sources.stream().mapToLong(SourceResult::jsonlBytes).sum();
  }
}
