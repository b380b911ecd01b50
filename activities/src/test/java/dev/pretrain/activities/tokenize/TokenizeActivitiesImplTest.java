package dev.pretrain.activities.tokenize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pretrain.activities.PipelineServices;
import dev.pretrain.batch.dedup.DedupJob;
import dev.pretrain.batch.dedup.DedupJobConfig;
import dev.pretrain.batch.shards.ShardTestStack;
import dev.pretrain.batch.shards.ShardTestStack.Doc;
import dev.pretrain.batch.tokenize.LlmcTokenShard;
import dev.pretrain.batch.tokenize.TokenizeJobConfig;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.tokenize.TokenizeActivities;
import dev.pretrain.workflows.tokenize.TokenizeActivities.TokenizeRequest;
import dev.pretrain.workflows.tokenize.TokenizeProgress;
import io.temporal.activity.ActivityOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tokenize activity in Temporal's activity test environment, on the output of a real dedup. */
class TokenizeActivitiesImplTest {

  @TempDir
  static Path tmp;
  static ShardTestStack stack;
  static List<ObjectStore.Stored> deduped;

  TestActivityEnvironment env;
  TokenizeActivities activities;
  final List<TokenizeProgress> heartbeats = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void up() throws Exception {
    stack = new ShardTestStack(tmp, DedupJobConfig.class, TokenizeJobConfig.class);
    List<Doc> docs = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      docs.add(new Doc("d" + i, "Document number " + (i % 400) + " of the test corpus.", i % 50 == 0 ? "kjv" : "web"));
    }
    ObjectStore.Stored shard0 = stack.putIngestShard(tmp, "act-tok", 0, docs);
    ObjectStore.Stored shard1 = stack.putIngestShard(tmp, "act-tok", 1, List.of(new Doc("e0", "Document number 1 of the test corpus.", "web")));
    deduped = DedupJob.run(stack.runner, new DedupJob.Request("act-tok", ShardTestStack.BUCKET, List.of(shard0, shard1), 1),
        null).outputShards();
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
        new TokenizeActivitiesImpl(new PipelineServices(stack.db, stack.store, stack.runner, tmp)));
    env.setActivityHeartbeatListener(TokenizeProgress.class, heartbeats::add);
    activities = env.newActivityStub(TokenizeActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofMinutes(2)).setHeartbeatTimeout(Duration.ofSeconds(30)).build());
  }

  @AfterEach
  void closeEnv() {
    env.close();
  }

  private static ArtifactRef ref(ObjectStore.Stored s) {
    return new ArtifactRef(s.uri(), s.sha256(), s.sizeBytes());
  }

  @Test
  void tokenizesADedupShardHeartbeatingPerChunk() throws Exception {
    TokenizeActivities.TokenizeResult r = activities.tokenizeShard(new TokenizeRequest("act-tok", ShardTestStack.BUCKET,
        0, ref(deduped.get(0)), "r50k_base", 0.1, List.of("kjv")));

    assertEquals(400, r.documents(), "100 of the 500 repeat earlier text");
    assertEquals(400, r.trainDocuments() + r.valDocuments());
    assertTrue(r.valDocuments() >= 8, "the 8 kept kjv documents are held out: " + r);
    try (InputStream in = stack.store.open(ShardTestStack.BUCKET, r.trainBin().key())) {
      assertEquals(r.trainTokens(), LlmcTokenShard.read(in, r.trainBin().uri()).length);
    }
    assertEquals(stack.store.stat(ShardTestStack.BUCKET, r.valMap().key()).orElseThrow().sha256(), r.valMap().sha256());
    // the SDK sends the first heartbeat at once and throttles later ones (0.8 x heartbeat timeout)
    assertEquals(new TokenizeProgress(0, 200), heartbeats.get(0), "after the first chunk");
  }

  @Test
  void anEmptyDedupShardGivesNullReferences() {
    TokenizeActivities.TokenizeResult r = activities.tokenizeShard(new TokenizeRequest("act-tok", ShardTestStack.BUCKET,
        1, ref(deduped.get(1)), "r50k_base", 0.1, List.of()));
    assertEquals(new TokenizeActivities.TokenizeResult(1, 0, 0, 0, 0, 0, 0, null, null, null, null), r);
  }

  @Test
  void unsupportedEncodingOrValFractionIsANonRetryableBadParameter() {
    for (TokenizeRequest bad : List.of(
        new TokenizeRequest("act-tok", ShardTestStack.BUCKET, 0, ref(deduped.get(0)), "cl100k_base", 0.1, List.of()),
        new TokenizeRequest("act-tok", ShardTestStack.BUCKET, 0, ref(deduped.get(0)), "r50k_base", 1.0, List.of()))) {
      ActivityFailure f = assertThrows(ActivityFailure.class, () -> activities.tokenizeShard(bad));
      ApplicationFailure cause = (ApplicationFailure) f.getCause();
      assertEquals("BadParameter", cause.getType());
      assertTrue(cause.isNonRetryable());
      assertFalse(cause.getOriginalMessage().isBlank());
    }
  }
}
