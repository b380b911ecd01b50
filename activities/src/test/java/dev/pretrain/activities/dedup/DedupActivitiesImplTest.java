package dev.pretrain.activities.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pretrain.activities.PipelineServices;
import dev.pretrain.batch.dedup.DedupJobConfig;
import dev.pretrain.batch.shards.ShardTestStack;
import dev.pretrain.batch.shards.ShardTestStack.Doc;
import dev.pretrain.batch.tokenize.TokenizeJobConfig;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.dedup.DedupActivities;
import dev.pretrain.workflows.dedup.DedupProgress;
import io.temporal.activity.ActivityOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dedup activity in Temporal's activity test environment, over S3Proxy, H2 and the real batch job. */
class DedupActivitiesImplTest {

  @TempDir
  static Path tmp;
  static ShardTestStack stack;

  TestActivityEnvironment env;
  DedupActivities activities;
  final List<DedupProgress> heartbeats = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void up() throws Exception {
    stack = new ShardTestStack(tmp, DedupJobConfig.class, TokenizeJobConfig.class);
  }

  @AfterAll
  static void down() {
    if (stack != null) {
      stack.close();
    }
  }

  @BeforeEach
  void stub() {
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(
        new DedupActivitiesImpl(new PipelineServices(stack.db, stack.store, stack.runner, tmp)));
    env.setActivityHeartbeatListener(DedupProgress.class, heartbeats::add);
    activities = env.newActivityStub(DedupActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofMinutes(2)).setHeartbeatTimeout(Duration.ofSeconds(30)).build());
  }

  @AfterEach
  void closeEnv() {
    env.close();
  }

  @Test
  void dedupsAcrossShardsHeartbeatsAndReturnsStoredReferences() throws Exception {
    List<ObjectStore.Stored> shards = List.of(
        stack.putIngestShard(tmp, "act-dedup", 0, List.of(new Doc("x", "same", "s"), new Doc("y", "other", "s"))),
        stack.putIngestShard(tmp, "act-dedup", 1, List.of(new Doc("z", "same", "s"))));

    DedupActivities.DedupResult r = activities.dedup(new DedupActivities.DedupRequest("act-dedup",
        ShardTestStack.BUCKET, shards.stream().map(s -> new ArtifactRef(s.uri(), s.sha256(), s.sizeBytes())).toList()));

    assertEquals(3, r.documentsIn());
    assertEquals(2, r.kept());
    assertEquals(1, r.duplicates());
    assertEquals(2, r.keptShards().size());
    for (ArtifactRef ref : r.keptShards()) {
      ObjectStore.Stored stat = stack.store.stat(ref.bucket(), ref.key()).orElseThrow();
      assertEquals(stat.sha256(), ref.sha256());
      assertEquals(stat.sizeBytes(), ref.sizeBytes());
    }
    assertEquals("s3://" + ShardTestStack.BUCKET + "/runs/act-dedup/dedup/docs-00001.jsonl", r.keptShards().get(1).uri());
    assertEquals(0, r.keptShards().get(1).sizeBytes());
    assertEquals(new DedupProgress(3), heartbeats.get(0), "after the first (only) chunk");
  }

  @Test
  void aMalformedShardReferenceIsANonRetryableBadParameter() {
    ActivityFailure f = assertThrows(ActivityFailure.class, () -> activities.dedup(new DedupActivities.DedupRequest(
        "act-bad", ShardTestStack.BUCKET, List.of(new ArtifactRef("file:///tmp/x.jsonl", null, 0)))));
    ApplicationFailure cause = (ApplicationFailure) f.getCause();
    assertEquals("BadParameter", cause.getType());
    assertTrue(cause.isNonRetryable());
    assertEquals("not an s3:// URI: file:///tmp/x.jsonl", cause.getOriginalMessage());
  }

  static String words(String tag, int n) {
    StringBuilder sb = new StringBuilder();
    java.util.Random r = new java.util.Random(tag.hashCode());
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "" : " ").append(tag).append(r.nextInt(1_000_000));
    }
    return sb.toString();
  }

  @Test
  void thePartitionedStagesRemoveCopiesAndContaminatedTrainingDocuments() throws Exception {
    String eval = words("eval", 200);
    String train = words("train", 200);
    // a training document quoting 20 consecutive words of the evaluation document: 8 shared 13-grams
    String quoting = words("quote", 100) + " " + String.join(" ", java.util.Arrays.copyOfRange(eval.split(" "), 50, 70));
    List<ObjectStore.Stored> shards = List.of(
        stack.putIngestShard(tmp, "act-stages", 0, List.of(new Doc("e1", eval, "bench"), new Doc("t1", train, "web"))),
        stack.putIngestShard(tmp, "act-stages", 1, List.of(new Doc("t2", train, "web"), new Doc("t3", quoting, "web"),
            new Doc("t4", train.replace(" ", "  ").toUpperCase(), "web"))));
    Stages st = stages("act-stages", shards, List.of("bench"), List.of(), List.of());
    assertEquals(1L, st.components.counts().get("dropped"), "t4 (case and spacing) is a near copy of t1");
    assertTrue(st.hashed.get(0).heldOut() != null && st.hashed.get(1).heldOut() == null);
    assertEquals(1L, st.index.counts().get("evaluation_documents"));
    long in = st.in, kept = st.kept;
    java.util.Map<String, Long> byKind = st.byKind;
    String run = "act-stages";
    assertEquals(5, in);
    assertEquals(2, kept, "e1 and t1");
    assertEquals(java.util.Map.of("exact", 1L, "fuzzy", 1L, "contaminated", 1L), byKind);
    java.util.Map<String, dev.pretrain.db.documents.DocumentRepository.Decision> d = new java.util.HashMap<>();
    stack.documents.decisions(run, "dedup").forEach(x -> d.put(x.docId(), x));
    assertEquals("t1", d.get("t2").relatedDocId());
    assertEquals("exact", d.get("t2").dedupKind());
    assertEquals("fuzzy", d.get("t4").dedupKind());
    assertEquals(1.0, d.get("t4").jaccardExact());
    assertEquals("contaminated", d.get("t3").decision());
    assertEquals("e1", d.get("t3").relatedDocId());
    assertEquals(8, d.get("t3").overlapNgrams());
    assertEquals("shares 8 13-grams with evaluation document e1", d.get("t3").reason());
  }

  /** What the partitioned dedup stages did, as the workflow runs them, on two shards in two partitions. */
  record Stages(List<DedupActivities.HashResult> hashed, DedupActivities.StageResult components,
      DedupActivities.StageResult index, long in, long kept, java.util.Map<String, Long> byKind) {}

  /**
   * @param heldOut held-out sources; {@code drift} those of them that are drift sources (not indexed for
   *                decontamination, dropped as exact copies only); {@code keep} the keep rule's sources
   */
  private Stages stages(String run, List<ObjectStore.Stored> shards, List<String> heldOut, List<String> drift,
      List<String> keep) {
    List<ArtifactRef> refs = shards.stream().map(x -> new ArtifactRef(x.uri(), x.sha256(), x.sizeBytes())).toList();
    dev.pretrain.workflows.dedup.DedupParams p = dev.pretrain.workflows.dedup.DedupParams.defaults().withPartitions(2)
        .withKeep(keep);
    List<String> indexed = heldOut.stream().filter(h -> !drift.contains(h)).toList();
    String b = ShardTestStack.BUCKET;
    List<DedupActivities.HashResult> hashed = new java.util.ArrayList<>();
    for (int i = 0; i < refs.size(); i++) {
      hashed.add(activities.hashShard(new DedupActivities.HashRequest(run, b, i, refs.get(i), p, indexed, false)));
    }
    List<List<ArtifactRef>> drops = List.of(new java.util.ArrayList<>(), new java.util.ArrayList<>());
    List<DedupActivities.StageResult> buckets = new java.util.ArrayList<>();
    for (int q = 0; q < 2; q++) {
      int part = q;
      DedupActivities.StageResult e = activities.exactPartition(new DedupActivities.StageRequest(run, b, q,
          hashed.stream().map(h -> h.exactFiles().get(part)).toList(), 2, p, List.of()));
      for (int g = 0; g < 2; g++) {
        drops.get(g).add(e.files().get(g));
      }
      buckets.add(activities.bucketPartition(new DedupActivities.StageRequest(run, b, q,
          hashed.stream().map(h -> h.bandFiles().get(part)).toList(), 2, p, List.of())));
    }
    List<ArtifactRef> edges = new java.util.ArrayList<>();
    for (int r = 0; r < 2; r++) {
      int part = r;
      edges.addAll(activities.verifyPartition(new DedupActivities.VerifyRequest(run, b, r,
          buckets.stream().map(x -> x.files().get(part)).toList(), refs, p)).files());
    }
    DedupActivities.StageResult components = activities.components(
        new DedupActivities.ComponentsRequest(run, b, edges, refs, 2, p));
    List<ArtifactRef> heldOutFiles = hashed.stream().map(DedupActivities.HashResult::heldOut)
        .filter(java.util.Objects::nonNull).toList();
    DedupActivities.StageResult index = heldOutFiles.isEmpty() ? null
        : activities.decontaminationIndex(new DedupActivities.IndexRequest(run, b, heldOutFiles, p));
    long in = 0, kept = 0;
    java.util.Map<String, Long> byKind = new java.util.TreeMap<>();
    for (int g = 0; g < 2; g++) {
      drops.get(g).add(components.files().get(g));
      DedupActivities.FilterResult f = activities.filterGroup(new DedupActivities.FilterRequest(run, b, g, g,
          refs.subList(g, g + 1), drops.get(g), components.files().get(2),
          index == null ? null : index.files().get(0), heldOut, p, drift));
      in += f.documentsIn();
      kept += f.kept();
      f.byKind().forEach((k, v) -> byKind.merge(k, v, Long::sum));
    }
    return new Stages(hashed, components, index, in, kept, byKind);
  }

  @Test
  void aDriftSourceLosesItsExactCopiesButKeepsItsChangedVersionsAndDecontaminatesNothing() throws Exception {
    String doc = words("doc", 200);
    String changed = doc.replaceFirst("doc", "changed"); // one word of 200: Jaccard far above 0.8
    String other = words("other", 200);
    List<ObjectStore.Stored> shards = List.of(
        stack.putIngestShard(tmp, "act-drift", 0, List.of(new Doc("old/a", doc, "v1"), new Doc("old/b", other, "v1"))),
        stack.putIngestShard(tmp, "act-drift", 1, List.of(new Doc("new/a", doc, "v2"), new Doc("new/b", changed, "v2"),
            new Doc("new/c", words("added", 200), "v2"))));
    Stages st = stages("act-drift", shards, List.of("v2"), List.of("v2"), List.of("v1"));
    assertTrue(st.hashed.stream().allMatch(h -> h.heldOut() == null), "a drift source is not indexed");
    assertEquals(null, st.index);
    assertEquals(5, st.in);
    assertEquals(4, st.kept, "old/a, old/b, and of v2 the changed new/b and the added new/c");
    assertEquals(java.util.Map.of("exact", 1L, "fuzzy", 0L, "contaminated", 0L), st.byKind);
    java.util.Map<String, dev.pretrain.db.documents.DocumentRepository.Decision> d = new java.util.HashMap<>();
    stack.documents.decisions("act-drift", "dedup").forEach(x -> d.put(x.docId(), x));
    assertEquals(java.util.Set.of("new/a"), d.keySet(), "the unchanged copy is the only document removed");
    assertEquals("old/a", d.get("new/a").relatedDocId());
  }
}
