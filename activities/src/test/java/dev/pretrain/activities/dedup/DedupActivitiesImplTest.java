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
}
