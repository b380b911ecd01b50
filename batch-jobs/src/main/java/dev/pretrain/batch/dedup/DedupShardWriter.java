package dev.pretrain.batch.dedup;

import dev.pretrain.db.documents.DocumentRepository;
import dev.pretrain.db.documents.DocumentRepository.Decision;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamWriter;

/**
 * Appends kept documents, line for line as read, to the local output file of their input shard,
 * and records every duplicate with its kept twin in the chunk's transaction. Files are uploaded by
 * {@link DedupShardPublisher} once all shards are done.
 */
public class DedupShardWriter implements ItemStreamWriter<DedupVerdict> {

  static final String KEPT = "dedup.kept";
  static final String DUPLICATES = "dedup.duplicates";

  private final Path dir;
  private final String runId;
  private final DocumentRepository documents;
  private final LongConsumer progress;

  private int openShard = -1;
  private Writer out;
  private long kept;
  private long duplicates;

  public DedupShardWriter(Path dir, String runId, DocumentRepository documents, LongConsumer progress) {
    this.dir = dir;
    this.runId = runId;
    this.documents = documents;
    this.progress = progress;
  }

  static Path shardFile(Path dir, int shardIndex) {
    return dir.resolve(String.format("docs-%05d.jsonl", shardIndex));
  }

  @Override
  public void write(Chunk<? extends DedupVerdict> chunk) throws IOException {
    List<Decision> decisions = new ArrayList<>();
    for (DedupVerdict v : chunk) {
      if (v.duplicate()) {
        decisions.add(new Decision(v.document().id(), "duplicate",
            "same normalized text as " + v.keptTwinId(), v.keptTwinId()));
        duplicates++;
      } else {
        writerFor(v.document().shardIndex()).append(v.document().json()).append('\n');
        kept++;
      }
    }
    if (!decisions.isEmpty()) {
      documents.recordDecisions(runId, DedupJob.STEP, decisions);
    }
    progress.accept(kept + duplicates);
  }

  /** Documents arrive in shard order, so one file is open at a time. */
  private Writer writerFor(int shardIndex) throws IOException {
    if (shardIndex != openShard) {
      if (shardIndex < openShard) {
        throw new IllegalStateException("input shard " + shardIndex + " arrived after shard " + openShard);
      }
      closeCurrent();
      out = new BufferedWriter(Files.newBufferedWriter(shardFile(dir, shardIndex), StandardCharsets.UTF_8), 1 << 16);
      openShard = shardIndex;
    }
    return out;
  }

  @Override
  public void update(ExecutionContext executionContext) {
    executionContext.putLong(KEPT, kept);
    executionContext.putLong(DUPLICATES, duplicates);
  }

  @Override
  public void close() {
    try {
      closeCurrent();
    } catch (IOException e) {
      throw new UncheckedIOException("closing " + shardFile(dir, openShard), e);
    }
  }

  private void closeCurrent() throws IOException {
    if (out != null) {
      out.close();
      out = null;
    }
  }
}
