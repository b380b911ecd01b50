package dev.pretrain.activities.dedup;

import dev.pretrain.activities.ActivityFailures;
import dev.pretrain.activities.ArtifactRefs;
import dev.pretrain.activities.PipelineServices;
import dev.pretrain.activities.WorkDirs;
import dev.pretrain.batch.dedup.DedupJob;
import dev.pretrain.batch.dedup.stages.BucketStage;
import dev.pretrain.batch.dedup.stages.ComponentsStage;
import dev.pretrain.batch.dedup.stages.DedupIndex;
import dev.pretrain.batch.dedup.stages.DedupSettings;
import dev.pretrain.batch.dedup.stages.ExactStage;
import dev.pretrain.batch.dedup.stages.HashStage;
import dev.pretrain.batch.dedup.stages.VerifyStage;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.dedup.DedupActivities;
import dev.pretrain.workflows.dedup.DedupParams;
import dev.pretrain.workflows.dedup.DedupProgress;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * The dedup step's activities: the one-launch exact dedup of older runs, and the stages of the
 * partitioned dedup ({@code dev.pretrain.batch.dedup.stages}), each heartbeating its progress. Stage
 * files go under {@code runs/<runId>/dedup/<stage>/}; a retried attempt rewrites the same objects with
 * the same bytes (every stage's output is a function of its input).
 */
public class DedupActivitiesImpl implements DedupActivities {

  private final PipelineServices services;

  public DedupActivitiesImpl(PipelineServices services) {
    this.services = services;
  }

  @Override
  public DedupResult dedup(DedupRequest request) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    return ActivityFailures.translated(() -> {
      List<ObjectStore.Stored> shards = request.documentShards().stream().map(ArtifactRefs::stored).toList();
      DedupJob.Result r = DedupJob.run(services.batch(),
          new DedupJob.Request(request.runId(), request.bucket(), shards, ctx.getInfo().getAttempt()),
          documents -> ctx.heartbeat(new DedupProgress(documents)));
      return new DedupResult(r.documentsIn(), r.kept(), r.duplicates(), r.bytesIn(),
          r.outputShards().stream().map(ArtifactRefs::ref).toList());
    });
  }

  @Override
  public HashResult hashShard(HashRequest request) {
    return stage(request.runId(), "hash-" + request.shardIndex(), (scratch, progress) -> {
      HashStage.Result r = HashStage.run(services.store(), scratch, request.bucket(),
          prefix(request.runId(), request.forIndex() ? "index-hash" : "hash"),
          request.shardIndex(), ArtifactRefs.stored(request.shard()), settings(request.params(), request.heldOutSources()),
          progress);
      return new HashResult(r.documents(), r.signed(), r.bytesIn(), refs(r.exactFiles()), refs(r.bandFiles()),
          r.heldOut() == null ? null : ArtifactRefs.ref(r.heldOut()), r.bytesWritten());
    });
  }

  @Override
  public StageResult exactPartition(StageRequest request) {
    return stage(request.runId(), "exact-" + request.partition(), (scratch, progress) -> {
      DedupSettings s = settings(request.params(), null);
      ExactStage.Result r = ExactStage.run(services.store(), scratch, request.bucket(),
          prefix(request.runId(), "exact-drops"), request.partition(), stored(request.files()),
          indexed(request.indexFiles(), request.shards()), request.shards(), s.groups(request.shards()), progress);
      return new StageResult(refs(r.dropFiles()), counts("entries", r.entries(), "dropped", r.dropped(),
          "bytes_read", r.bytesRead(), "bytes_written", r.bytesWritten()));
    });
  }

  @Override
  public StageResult bucketPartition(StageRequest request) {
    return stage(request.runId(), "buckets-" + request.partition(), (scratch, progress) -> {
      BucketStage.Result r = BucketStage.run(services.store(), scratch, request.bucket(),
          prefix(request.runId(), "pairs"), request.partition(), stored(request.files()),
          indexed(request.indexFiles(), request.shards()), request.shards(), request.params().partitions(), progress);
      return new StageResult(refs(r.pairFiles()), counts("entries", r.entries(), "buckets", r.buckets(),
          "pairs", r.pairs(), "bytes_read", r.bytesRead(), "bytes_written", r.bytesWritten()));
    });
  }

  @Override
  public StageResult verifyPartition(VerifyRequest request) {
    return stage(request.runId(), "verify-" + request.partition(), (scratch, progress) -> {
      VerifyStage.Result r = VerifyStage.run(services.store(), scratch, request.bucket(),
          prefix(request.runId(), "edges"), request.partition(), stored(request.pairFiles()),
          stored(request.inputShards()), settings(request.params(), null), progress);
      return new StageResult(List.of(ArtifactRefs.ref(r.edgeFile())), counts("pairs_in", r.pairsIn(),
          "distinct_pairs", r.distinctPairs(), "edges", r.edges(), "false_positives", r.falsePositives(),
          "document_reads", r.documentReads(), "bytes_read", r.bytesRead(), "bytes_written", r.bytesWritten()));
    });
  }

  @Override
  public StageResult components(ComponentsRequest request) {
    return stage(request.runId(), "components", (scratch, progress) -> {
      ComponentsStage.Result r = ComponentsStage.run(services.store(), scratch, request.bucket(),
          prefix(request.runId(), "fuzzy-drops"), stored(request.edgeFiles()), stored(request.inputShards()),
          request.runShards(), settings(request.params(), null), progress);
      List<ArtifactRef> files = new ArrayList<>(refs(r.dropFiles()));
      files.add(ArtifactRefs.ref(r.redirects()));
      return new StageResult(files, counts("edges", r.edges(), "documents", r.documents(),
          "components", r.components(), "dropped", r.dropped(), "measured_later", r.measuredLater(),
          "bytes_read", r.bytesRead(), "bytes_written", r.bytesWritten()));
    });
  }

  @Override
  public StageResult decontaminationIndex(IndexRequest request) {
    return stage(request.runId(), "decontamination-index", (scratch, progress) -> Decontamination.buildIndex(
        services.store(), scratch, request.bucket(), prefix(request.runId(), "decontamination"),
        stored(request.heldOutFiles()), request.params(), progress));
  }

  @Override
  public FilterResult filterGroup(FilterRequest request) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    return ActivityFailures.translated(() -> {
      DedupParams p = request.params();
      DedupJob.Filter filter = new DedupJob.Filter(request.group(), request.firstShard(), stored(request.dropFiles()),
          request.redirects() == null ? null : ArtifactRefs.stored(request.redirects()),
          request.index() == null ? null : Decontamination.check(services.store(), ArtifactRefs.stored(request.index()), p),
          Set.copyOf(request.heldOutSources() == null ? List.of() : request.heldOutSources()),
          Set.copyOf(request.driftSources() == null ? List.of() : request.driftSources()));
      DedupJob.Result r = DedupJob.run(services.batch(), new DedupJob.Request(request.runId(), request.bucket(),
          stored(request.shards()), ctx.getInfo().getAttempt(), filter),
          documents -> ctx.heartbeat(new DedupProgress(documents)));
      return new FilterResult(r.documentsIn(), r.kept(), r.duplicates(), r.bytesIn(), refs(r.outputShards()), r.byKind());
    });
  }

  @Override
  public IndexSnapshot indexSnapshot(IndexSnapshotRequest request) {
    return ActivityFailures.translated(() -> {
      Optional<DedupIndex> latest = DedupIndex.latest(services.store(), request.bucket(), request.name());
      if (latest.isEmpty()) {
        List<List<IndexPart>> none = new ArrayList<>();
        for (int q = 0; q < request.params().partitions(); q++) {
          none.add(List.of());
        }
        return new IndexSnapshot(request.name(), 0, List.of(), List.of(), none, none);
      }
      DedupIndex index = latest.get();
      index.requireCompatible(settings(request.params(), null));
      List<List<IndexPart>> exact = new ArrayList<>();
      List<List<IndexPart>> bands = new ArrayList<>();
      for (int q = 0; q < index.partitions(); q++) {
        exact.add(parts(index.exact().get(q)));
        bands.add(parts(index.bandFiles().get(q)));
      }
      return new IndexSnapshot(index.name(), index.version(), index.runs(),
          refs(index.shardObjects()), exact, bands);
    });
  }

  @Override
  public StageResult updateIndex(UpdateIndexRequest request) {
    return stage(request.runId(), "update-index", (scratch, progress) -> {
      DedupSettings s = settings(request.params(), null);
      DedupIndex previous = request.previousVersion() == 0 ? null
          : DedupIndex.read(services.store(), request.bucket(), request.name(), request.previousVersion());
      List<List<ObjectStore.Stored>> exact = request.exactByPartition().stream().map(DedupActivitiesImpl::stored).toList();
      List<List<ObjectStore.Stored>> bands = request.bandsByPartition().stream().map(DedupActivitiesImpl::stored).toList();
      DedupIndex next = DedupIndex.next(previous, request.name(), s, request.runId(), stored(request.keptShards()),
          exact, bands);
      ObjectStore.Stored manifest = next.publish(services.store(), request.bucket(), scratch);
      // lineage: the version derives from the kept shards it adds and the version before it
      List<String> inputs = new ArrayList<>(request.keptShards().stream().map(ArtifactRef::uri).toList());
      if (previous != null) {
        inputs.add("s3://" + request.bucket() + "/" + DedupIndex.manifestKey(request.name(), previous.version()));
      }
      new ArtifactRepository(services.database().jdbc()).record(new ArtifactRepository.Artifact(manifest.uri(),
          manifest.sha256(), manifest.sizeBytes(), "dedup-index", request.runId(), DedupJob.STEP,
          services.store().endpoint(), services.store().region(), Instant.now()), inputs);
      return new StageResult(List.of(ArtifactRefs.ref(manifest)), counts("version", (long) next.version(),
          "runs", (long) next.runs().size(), "shards", (long) next.shards().size()));
    });
  }

  private static List<IndexPart> parts(List<DedupIndex.Part> parts) {
    return parts.stream().map(p -> new IndexPart(ArtifactRefs.ref(p.file().stored()), p.shardOffset())).toList();
  }

  /** Index files as a run with {@code runShards} shards reads them (shard numbers past its own). */
  private static List<DedupIndex.Indexed> indexed(List<IndexPart> parts, int runShards) {
    if (parts == null) {
      return List.of();
    }
    return parts.stream().map(p -> new DedupIndex.Indexed(ArtifactRefs.stored(p.file()), runShards + p.shardOffset()))
        .toList();
  }

  /** The batch-side settings of a run's dedup parameters. */
  static DedupSettings settings(DedupParams p, List<String> heldOut) {
    return new DedupSettings(p.partitions(), p.keep(), p.fuzzy(), p.threshold(), p.bands(), p.rows(), p.seed(),
        p.check(), heldOut == null ? Set.of() : Set.copyOf(heldOut));
  }

  private interface Stage<R> {
    R run(Path scratch, LongConsumer progress) throws IOException;
  }

  /** Runs a stage in its own scratch directory (deleted after), heartbeating, with failures translated. */
  private <R> R stage(String runId, String name, Stage<R> body) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    return ActivityFailures.translated(() -> {
      Path scratch = services.workDir().resolve("dedup").resolve(runId)
          .resolve(name + "-" + ctx.getInfo().getActivityId() + "-" + ctx.getInfo().getAttempt());
      try {
        Files.createDirectories(scratch);
        return body.run(scratch, n -> ctx.heartbeat(new DedupProgress(n)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } finally {
        WorkDirs.deleteQuietly(scratch);
      }
    });
  }

  private static String prefix(String runId, String stage) {
    return "runs/" + runId + "/dedup/" + stage + "/";
  }

  private static List<ObjectStore.Stored> stored(List<ArtifactRef> refs) {
    return refs.stream().map(ArtifactRefs::stored).toList();
  }

  private static List<ArtifactRef> refs(List<ObjectStore.Stored> stored) {
    return stored.stream().map(ArtifactRefs::ref).toList();
  }

  private static Map<String, Long> counts(Object... kv) {
    Map<String, Long> out = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      out.put((String) kv[i], (Long) kv[i + 1]);
    }
    return out;
  }

}
