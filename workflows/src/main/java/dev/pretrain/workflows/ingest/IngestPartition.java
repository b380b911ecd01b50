package dev.pretrain.workflows.ingest;

import java.util.List;

/** A group of input files ingested together by one activity (and one Spring Batch job). */
public record IngestPartition(int index, List<InputFile> files) {
  public long sizeBytes() {
    return files.stream().mapToLong(InputFile::sizeBytes).sum();
  }
}
