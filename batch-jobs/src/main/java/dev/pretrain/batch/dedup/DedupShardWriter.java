package dev.pretrain.batch.dedup;

import dev.pretrain.db.curation.CurationRepository;
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
import java.util.Map;
import java.util.TreeMap;
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
  private final int part;
  private final DocumentRepository documents;
  private final CurationRepository curation;
  private final LongConsumer progress;
  // kept and duplicates per source, for the run's per-source tally (in = kept + ... + deduplicated)
  private final Map<String, Long> keptBySource = new TreeMap<>();
  private final Map<List<String>, Long> duplicatesBySource = new TreeMap<>(
      java.util.Comparator.comparing((List<String> k) -> k.get(0)).thenComparing(k -> k.get(1)));
  private final Map<String, Long> duplicatesByKind = new TreeMap<>();

  private int openShard = -1;
  private Writer out;
  private long kept;
  private long duplicates;

  /** @param part this launch's part of the step's tally (the filter group; 0 for a one-launch dedup) */
  public DedupShardWriter(Path dir, String runId, int part, DocumentRepository documents, CurationRepository curation,
      LongConsumer progress) {
    this.dir = dir;
    this.runId = runId;
    this.part = part;
    this.documents = documents;
    this.curation = curation;
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
        decisions.add(decision(v));
        duplicatesBySource.merge(List.of(v.document().source() == null ? "?" : v.document().source(),
            TALLY_REASONS.getOrDefault(v.kind(), v.kind())), 1L, Long::sum);
        duplicatesByKind.merge(v.kind(), 1L, Long::sum);
        duplicates++;
      } else {
        writerFor(v.document().shardIndex()).append(v.document().json()).append('\n');
        keptBySource.merge(v.document().source() == null ? "?" : v.document().source(), 1L, Long::sum);
        kept++;
      }
    }
    if (!decisions.isEmpty()) {
      documents.recordDecisions(runId, DedupJob.STEP, decisions);
    }
    // the whole tally so far, in the chunk's transaction: a redone job rewrites it from scratch
    List<CurationRepository.Tally> rows = new ArrayList<>();
    keptBySource.forEach((source, n) -> rows.add(new CurationRepository.Tally(source, "kept", "", n)));
    duplicatesBySource.forEach((key, n) -> rows.add(new CurationRepository.Tally(key.get(0), "deduplicated",
        key.get(1), n)));
    curation.replaceTally(runId, DedupJob.STEP, part, rows);
    progress.accept(kept + duplicates);
  }

  private static final Map<String, String> TALLY_REASONS = Map.of(DedupVerdict.EXACT, "exact duplicate",
      DedupVerdict.FUZZY, "near duplicate", DedupVerdict.CONTAMINATED, "contaminated");

  /** The lineage row of a dropped document: why, its twin, and the similarity figures. */
  static Decision decision(DedupVerdict v) {
    String twin = v.keptTwinId();
    String reason = switch (v.kind()) {
      case DedupVerdict.EXACT -> "same normalized text as " + twin + (v.note() == null ? "" : "; " + v.note());
      case DedupVerdict.FUZZY -> String.format(java.util.Locale.ROOT, "near-duplicate of %s (Jaccard %s)", twin,
          v.exact() == null ? String.format(java.util.Locale.ROOT, "%.3f estimated", v.estimated())
              : String.format(java.util.Locale.ROOT, "%.3f exact, %.3f estimated", v.exact(), v.estimated()))
          + (v.note() == null ? "" : "; " + v.note());
      case DedupVerdict.CONTAMINATED -> "shares " + v.overlap() + " " + (v.note() == null ? "n-grams" : v.note())
          + " with evaluation document " + twin;
      default -> throw new IllegalStateException("unknown dedup kind " + v.kind());
    };
    return new Decision(v.document().id(), DedupVerdict.CONTAMINATED.equals(v.kind()) ? "contaminated" : "duplicate",
        reason, twin, v.kind(), v.estimated(), v.exact(), v.overlap());
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
    duplicatesByKind.forEach((kind, n) -> executionContext.putLong(DUPLICATES + "." + kind, n));
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
