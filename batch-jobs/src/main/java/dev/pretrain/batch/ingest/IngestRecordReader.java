package dev.pretrain.batch.ingest;

import dev.pretrain.db.storage.ObjectStore;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamReader;

/**
 * Reads the partition's input files one after the other, in the planned order, and yields their
 * records (JSONL lines, or one record per text file). Reports each file's digest when it is done.
 *
 * <p>Not restartable on purpose: a failed attempt is redone whole (its output is deterministic).
 */
public class IngestRecordReader implements ItemStreamReader<RawRecord> {

  private final List<IngestJob.Input> files;
  private final ObjectStore store;
  private final int maxRecordBytes;
  private final Consumer<InputFileCursor.Digest> onFileDone;
  private final Path scratchDir;

  private int next;
  private InputFileCursor current;
  private long recordsRead;
  private long bytesOfDoneFiles;

  /** @param scratchDir where a Parquet input is copied to be read (the launch's, deleted after it) */
  public IngestRecordReader(List<IngestJob.Input> files, ObjectStore store, int maxRecordBytes, Path scratchDir,
      Consumer<InputFileCursor.Digest> onFileDone) {
    this.files = List.copyOf(files);
    this.store = store;
    this.maxRecordBytes = maxRecordBytes;
    this.scratchDir = scratchDir;
    this.onFileDone = onFileDone;
  }

  @Override
  public void open(ExecutionContext executionContext) {
    next = 0;
    recordsRead = 0;
    bytesOfDoneFiles = 0;
  }

  @Override
  public RawRecord read() {
    while (true) {
      if (current == null) {
        if (next >= files.size()) {
          return null;
        }
        current = InputFileCursor.open(files.get(next++).uri(), store, maxRecordBytes, scratchDir);
      }
      RawRecord record = current.next();
      if (record != null) {
        recordsRead++;
        return record;
      }
      InputFileCursor.Digest digest = current.finish();
      current = null;
      bytesOfDoneFiles += digest.sizeBytes();
      onFileDone.accept(digest);
    }
  }

  public long recordsRead() {
    return recordsRead;
  }

  /** Stored bytes read so far (compressed bytes for .gz files). */
  public long bytesRead() {
    return bytesOfDoneFiles + (current == null ? 0 : current.rawBytes());
  }

  @Override
  public void close() {
    if (current != null) {
      current.close();
      current = null;
    }
  }
}
