package dev.pretrain.batch.ingest;

import org.springframework.batch.core.listener.ChunkListener;
import org.springframework.batch.infrastructure.item.Chunk;

/** After each chunk, tells the caller how far the reader got (the ingest activity heartbeats this). */
public class IngestProgressListener implements ChunkListener<RawRecord, IngestOutcome> {

  private final IngestRecordReader reader;
  private final IngestJob.Progress progress;

  public IngestProgressListener(IngestRecordReader reader, IngestJob.Progress progress) {
    this.reader = reader;
    this.progress = progress;
  }

  @Override
  public void afterChunk(Chunk<IngestOutcome> chunk) {
    progress.report(reader.recordsRead(), reader.bytesRead());
  }
}
