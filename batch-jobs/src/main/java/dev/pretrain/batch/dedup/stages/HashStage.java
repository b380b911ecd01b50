package dev.pretrain.batch.dedup.stages;

import dev.pretrain.batch.dedup.near.LshBands;
import dev.pretrain.batch.dedup.near.MinHasher;
import dev.pretrain.batch.dedup.near.Shingler;
import dev.pretrain.batch.shards.ShardDocument;
import dev.pretrain.batch.shards.ShardFormatException;
import dev.pretrain.db.storage.ObjectStore;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Stage 1, one per input shard: for every document its digest entry, routed to an exact partition by
 * the digest, and (fuzzy on) its shingles, MinHash signature and one bucket entry per LSH band, routed
 * to a bucket partition by the bucket key. Held-out documents (evaluation sources) are copied to a
 * side file for the decontamination index. Memory: one document at a time.
 */
public final class HashStage {

  /**
   * @param exactFiles entry files by exact partition (P of them)
   * @param bandFiles  entry files by bucket partition (P of them; empty list when fuzzy is off)
   * @param heldOut    the shard's held-out documents as JSONL, or null when it has none
   */
  public record Result(long documents, long signed, long bytesIn, List<ObjectStore.Stored> exactFiles,
      List<ObjectStore.Stored> bandFiles, ObjectStore.Stored heldOut, long bytesWritten) {}

  private HashStage() {}

  /** @param keyPrefix object key prefix of this stage's files, e.g. {@code runs/R/dedup/hash/} */
  public static Result run(ObjectStore store, Path scratch, String bucket, String keyPrefix, int shardIndex,
      ObjectStore.Stored shard, DedupSettings settings, LongConsumer progress) {
    int p = settings.partitions();
    List<EntryFiles.Writer<Entries.Exact>> exact = new ArrayList<>();
    List<EntryFiles.Writer<Entries.Band>> bands = new ArrayList<>();
    for (int i = 0; i < p; i++) {
      exact.add(new EntryFiles.Writer<>(scratch.resolve(String.format("exact-%05d-%05d.bin", i, shardIndex)),
          Entries.EXACT_KIND, Entries.EXACT));
      if (settings.fuzzy()) {
        bands.add(new EntryFiles.Writer<>(scratch.resolve(String.format("bands-%05d-%05d.bin", i, shardIndex)),
            Entries.BAND_KIND, Entries.BAND));
      }
    }
    Path heldOutFile = scratch.resolve(String.format("held-out-%05d.jsonl", shardIndex));
    Shingler shingler = settings.shingler();
    MinHasher hasher = settings.minHasher();
    LshBands lsh = settings.lshBands();
    long[] counts = new long[3]; // documents, signed, held out
    try (BufferedWriter heldOut = Files.newBufferedWriter(heldOutFile, StandardCharsets.UTF_8)) {
      ShardScanner.scan(store, shard, shardIndex, line -> {
        ShardDocument d = line.doc();
        long[] digest = digest(d);
        DocRef ref = new DocRef(d.id(), d.source(), settings.priorityOf(d.source()), shardIndex, d.line(),
            line.offset(), line.length());
        exact.get(DedupSettings.partitionOf(digest[0], p))
            .add(new Entries.Exact(digest[0], digest[1], digest[2], digest[3], ref));
        if (settings.fuzzy()) {
          int[] shingles = shingler.shingles(d.text());
          if (shingles.length > 0) {
            long[] signature = hasher.signature(shingles);
            for (int b = 0; b < lsh.bands(); b++) {
              long key = lsh.bucketKey(signature, b);
              bands.get(DedupSettings.partitionOf(key, p)).add(new Entries.Band(key, digest[0], ref));
            }
            counts[1]++;
          }
        }
        if (d.source() != null && settings.heldOut().contains(d.source())) {
          try {
            heldOut.append(d.json()).append('\n');
          } catch (IOException e) {
            throw new UncheckedIOException("write " + heldOutFile, e);
          }
          counts[2]++;
        }
        if (++counts[0] % 1000 == 0) {
          progress.accept(counts[0]);
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("write " + heldOutFile, e);
    }
    progress.accept(counts[0]);
    long written = 0;
    List<ObjectStore.Stored> exactOut = new ArrayList<>();
    for (int i = 0; i < p; i++) {
      ObjectStore.Stored s = exact.get(i).upload(store, bucket, keyPrefix + String.format("exact-%05d/shard-%05d.bin", i, shardIndex));
      exactOut.add(s);
      written += s.sizeBytes();
    }
    List<ObjectStore.Stored> bandOut = new ArrayList<>();
    for (int i = 0; i < bands.size(); i++) {
      ObjectStore.Stored s = bands.get(i).upload(store, bucket, keyPrefix + String.format("bands-%05d/shard-%05d.bin", i, shardIndex));
      bandOut.add(s);
      written += s.sizeBytes();
    }
    ObjectStore.Stored heldOutStored = null;
    try {
      if (counts[2] > 0) {
        heldOutStored = store.putFile(bucket, keyPrefix + String.format("held-out/shard-%05d.jsonl", shardIndex),
            heldOutFile, "application/x-ndjson");
        written += heldOutStored.sizeBytes();
      }
      Files.deleteIfExists(heldOutFile);
    } catch (IOException e) {
      throw new UncheckedIOException("delete " + heldOutFile, e);
    }
    return new Result(counts[0], counts[1], shard.sizeBytes(), exactOut, bandOut, heldOutStored, written);
  }

  private static long[] digest(ShardDocument d) {
    String hex = d.sha256();
    if (hex == null || hex.length() != 64) {
      throw new ShardFormatException("document " + d.id() + " (input shard " + d.shardIndex() + " line " + d.line()
          + "): sha256 \"" + hex + "\" is not 64 hex digits");
    }
    try {
      return new long[] {HexFormat.fromHexDigitsToLong(hex, 0, 16), HexFormat.fromHexDigitsToLong(hex, 16, 32),
          HexFormat.fromHexDigitsToLong(hex, 32, 48), HexFormat.fromHexDigitsToLong(hex, 48, 64)};
    } catch (IllegalArgumentException e) {
      throw new ShardFormatException("document " + d.id() + " (input shard " + d.shardIndex() + " line " + d.line()
          + "): sha256 \"" + hex + "\" is not 64 hex digits", e);
    }
  }
}
