package dev.pretrain.batch.dedup.stages;

import dev.pretrain.batch.BatchJobRunner;
import dev.pretrain.batch.dedup.DedupJob;
import dev.pretrain.db.storage.ObjectStore;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Runs the partitioned dedup's stages in-process, in the workflow's order, one activity after the
 * other (for tests and benchmarks: the workflow runs the same calls as activities on any worker).
 * Records per stage its wall time, bytes read and written, and the heap's peak while it ran.
 */
final class StageChain {

  /** One stage's figures, summed over its activities. */
  record StageFigures(String stage, int activities, long millis, long bytesRead, long bytesWritten, long peakHeap) {}

  /** The filters' sums and the kept shards by input shard index. */
  record Outcome(long documentsIn, long kept, long duplicates, Map<String, Long> byKind,
      Map<Integer, ObjectStore.Stored> keptShards, List<StageFigures> stages) {}

  private final ObjectStore store;
  private final BatchJobRunner runner;
  private final String bucket;
  private final Path scratch;
  private final List<StageFigures> figures = new ArrayList<>();

  StageChain(ObjectStore store, BatchJobRunner runner, String bucket, Path scratch) {
    this.store = store;
    this.runner = runner;
    this.bucket = bucket;
    this.scratch = scratch;
  }

  Outcome run(String runId, List<ObjectStore.Stored> shards, DedupSettings s) throws Exception {
    return run(runId, shards, s, null);
  }

  /** @param indexName a dedup index to read and then add this run's kept documents to, or null */
  Outcome run(String runId, List<ObjectStore.Stored> shards, DedupSettings s, String indexName) throws Exception {
    figures.clear();
    Path dir = Files.createDirectories(scratch.resolve(runId));
    String prefix = "runs/" + runId + "/dedup/";
    int n = shards.size();
    int p = s.partitions();
    int groups = s.groups(n);

    Timer t = new Timer("hash", n);
    List<HashStage.Result> hashed = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      HashStage.Result r = HashStage.run(store, dir, bucket, prefix + "hash/", i, shards.get(i), s, x -> {});
      hashed.add(r);
      t.io(r.bytesIn(), r.bytesWritten());
    }
    t.done();

    DedupIndex index = indexName == null ? null : DedupIndex.latest(store, bucket, indexName).orElse(null);
    if (index != null) {
      index.requireCompatible(s);
    }
    List<ObjectStore.Stored> textShards = new ArrayList<>(shards);
    if (index != null) {
      textShards.addAll(index.shardObjects());
    }
    List<List<ObjectStore.Stored>> drops = new ArrayList<>();
    for (int g = 0; g < groups; g++) {
      drops.add(new ArrayList<>());
    }
    t = new Timer("exact", p);
    for (int q = 0; q < p; q++) {
      int part = q;
      ExactStage.Result e = ExactStage.run(store, dir, bucket, prefix + "exact/", q,
          hashed.stream().map(h -> h.exactFiles().get(part)).toList(),
          index == null ? List.of() : index.forRun(q, true, n), n, groups, x -> {});
      for (int g = 0; g < groups; g++) {
        drops.get(g).add(e.dropFiles().get(g));
      }
      t.io(e.bytesRead(), e.bytesWritten());
    }
    t.done();

    ObjectStore.Stored redirects = null;
    if (s.fuzzy()) {
      t = new Timer("buckets", p);
      List<List<ObjectStore.Stored>> pairs = new ArrayList<>();
      for (int q = 0; q < p; q++) {
        int part = q;
        BucketStage.Result b = BucketStage.run(store, dir, bucket, prefix + "pairs/", q,
            hashed.stream().map(h -> h.bandFiles().get(part)).toList(),
            index == null ? List.of() : index.forRun(q, false, n), n, p, x -> {});
        pairs.add(b.pairFiles());
        t.io(b.bytesRead(), b.bytesWritten());
      }
      t.done();
      t = new Timer("verify", p);
      List<ObjectStore.Stored> edges = new ArrayList<>();
      for (int r = 0; r < p; r++) {
        int part = r;
        VerifyStage.Result v = VerifyStage.run(store, dir, bucket, prefix + "edges/", r,
            pairs.stream().map(x -> x.get(part)).toList(), textShards, s, x -> {});
        edges.add(v.edgeFile());
        t.io(v.bytesRead(), v.bytesWritten());
      }
      t.done();
      t = new Timer("components", 1);
      ComponentsStage.Result c = ComponentsStage.run(store, dir, bucket, prefix + "fuzzy/", edges, textShards, n, s,
          x -> {});
      for (int g = 0; g < groups; g++) {
        drops.get(g).add(c.dropFiles().get(g));
      }
      redirects = c.redirects();
      t.io(c.bytesRead(), c.bytesWritten());
      t.done();
    }

    t = new Timer("filter", groups);
    long in = 0, kept = 0, dup = 0;
    Map<String, Long> byKind = new TreeMap<>();
    Map<Integer, ObjectStore.Stored> keptShards = new TreeMap<>();
    for (int g = 0; g < groups; g++) {
      int first = (int) (((long) g * n + groups - 1) / groups);
      int end = (int) (((long) (g + 1) * n + groups - 1) / groups);
      DedupJob.Result r = DedupJob.run(runner, new DedupJob.Request(runId, bucket, shards.subList(first, end), 1,
          new DedupJob.Filter(g, first, drops.get(g), redirects, null, Set.of())), x -> {});
      in += r.documentsIn();
      kept += r.kept();
      dup += r.duplicates();
      r.byKind().forEach((k, v) -> byKind.merge(k, v, Long::sum));
      for (int i = 0; i < r.outputShards().size(); i++) {
        keptShards.put(first + i, r.outputShards().get(i));
      }
      t.io(r.bytesIn() + drops.get(g).stream().mapToLong(ObjectStore.Stored::sizeBytes).sum(),
          r.outputShards().stream().mapToLong(ObjectStore.Stored::sizeBytes).sum());
    }
    t.done();
    if (indexName != null) {
      t = new Timer("index", n + 1);
      List<ObjectStore.Stored> kept2 = new ArrayList<>(keptShards.values());
      List<List<ObjectStore.Stored>> exactBy = new ArrayList<>();
      List<List<ObjectStore.Stored>> bandsBy = new ArrayList<>();
      for (int q = 0; q < p; q++) {
        exactBy.add(new ArrayList<>());
        bandsBy.add(new ArrayList<>());
      }
      for (int i = 0; i < kept2.size(); i++) {
        HashStage.Result h = HashStage.run(store, dir, bucket, prefix + "index-hash/", i, kept2.get(i), s, x -> {});
        for (int q = 0; q < p; q++) {
          exactBy.get(q).add(h.exactFiles().get(q));
          if (s.fuzzy()) {
            bandsBy.get(q).add(h.bandFiles().get(q));
          }
        }
        t.io(h.bytesIn(), h.bytesWritten());
      }
      DedupIndex.next(index, indexName, s, runId, kept2, exactBy, bandsBy).publish(store, bucket, dir);
      t.done();
    }
    return new Outcome(in, kept, dup, byKind, keptShards, List.copyOf(figures));
  }

  /** Wall time, bytes and the heap pools' peak of one stage. */
  private final class Timer {
    private final String stage;
    private final int activities;
    private final long start = System.nanoTime();
    private long read;
    private long written;

    Timer(String stage, int activities) {
      this.stage = stage;
      this.activities = activities;
      System.gc();
      ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    void io(long bytesRead, long bytesWritten) {
      read += bytesRead;
      written += bytesWritten;
    }

    void done() {
      long peak = 0;
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        if (pool.getType() == MemoryType.HEAP) {
          peak += pool.getPeakUsage().getUsed();
        }
      }
      figures.add(new StageFigures(stage, activities, (System.nanoTime() - start) / 1_000_000, read, written, peak));
    }
  }

  static Map<String, Object> asMap(StageFigures f) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("stage", f.stage());
    m.put("activities", f.activities());
    m.put("ms", f.millis());
    m.put("bytes_read", f.bytesRead());
    m.put("bytes_written", f.bytesWritten());
    m.put("peak_heap", f.peakHeap());
    return m;
  }
}
