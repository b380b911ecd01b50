package dev.pretrain.activities.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.activities.ModelStepsFixture;
import dev.pretrain.batch.shards.ShardTestStack;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.lineage.LineageQueries;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.db.storage.RunObjectKeys;
import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.train.TrainActivities;
import dev.pretrain.workflows.train.TrainActivities.TrainRequest;
import dev.pretrain.workflows.train.TrainActivities.TrainResult;
import dev.pretrain.workflows.train.TrainParams;
import dev.pretrain.workflows.train.TrainProgress;
import io.temporal.activity.ActivityOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The train activity in Temporal's activity test environment, against S3Proxy and H2. */
class TrainActivitiesImplTest {

  static final String BUCKET = ShardTestStack.BUCKET;
  static final TrainParams PARAMS = ModelStepsFixture.tinyParams(30, 10);

  @TempDir
  static Path tmp;
  static ModelStepsFixture fx;
  /** One uninterrupted run, shared by the tests that only read it. */
  static TrainResult straight;

  TestActivityEnvironment env;
  TrainActivities activities;

  @BeforeAll
  static void up() throws Exception {
    fx = new ModelStepsFixture(tmp, "fixture");
    TestActivityEnvironment env = newEnv();
    try {
      straight = stub(env).train(new TrainRequest("t1", BUCKET, fx.trainShards, PARAMS));
    } finally {
      env.close();
    }
  }

  @AfterAll
  static void down() {
    if (fx != null) {
      fx.close();
    }
  }

  static TestActivityEnvironment newEnv() {
    TestActivityEnvironment env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new TrainActivitiesImpl(fx.services));
    return env;
  }

  static TrainActivities stub(TestActivityEnvironment env) {
    return env.newActivityStub(TrainActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofMinutes(5)).setHeartbeatTimeout(Duration.ofSeconds(60)).build());
  }

  @BeforeEach
  void newEnvironment() {
    env = newEnv();
    activities = stub(env);
  }

  @AfterEach
  void closeEnv() {
    env.close();
  }

  private static ObjectStore.Stored stat(String uri) {
    ArtifactRef r = new ArtifactRef(uri, "", 0);
    return fx.stack.store.stat(r.bucket(), r.key()).orElse(null);
  }

  private static String uri(String key) {
    return ArtifactRef.s3Uri(BUCKET, key);
  }

  @Test
  void trainsWritingCheckpointsAndTheModelWithTheirDigests() throws Exception {
    assertEquals(30, straight.steps());
    assertEquals(0, straight.resumedFromStep());
    assertEquals(3, straight.checkpoints());
    assertEquals(30L * 4 * 32, straight.tokensSeen());
    assertEquals(ModelStepsFixture.tinyParams(1, 1).vocabSize() * 32L + 2 * 32 + 4 * 32 * 32 + 3 * 32 * 64 + 32,
        straight.parameters());
    assertTrue(straight.lastLoss() < Math.log(TrainParams.R50K_VOCAB) - 2, "loss falls: " + straight.lastLoss());
    assertTrue(straight.tokensPerSecond() > 0);
    assertEquals("cpu()", straight.device());

    ArtifactRepository artifacts = fx.stack.artifacts;
    for (int step : new int[] {10, 20, 30}) {
      String ckpt = uri(RunObjectKeys.trainCheckpoint("t1", step));
      ArtifactRepository.Artifact row = artifacts.find(ckpt).orElseThrow(() -> new AssertionError("no row " + ckpt));
      assertEquals("checkpoint", row.kind());
      assertEquals("train", row.step());
      ArtifactRef r = new ArtifactRef(ckpt, row.sha256(), row.sizeBytes());
      assertEquals(row.sha256(), fx.stack.store.sha256Of(r.bucket(), r.key()), "recorded SHA-256 of " + ckpt);
      assertEquals(row.sizeBytes(), stat(ckpt).sizeBytes());
    }
    assertEquals(uri("runs/t1/train/ckpt-0000030.pt"), straight.lastCheckpoint().uri());
    assertEquals(uri("runs/t1/train/model.pt"), straight.model().uri());
    assertEquals(straight.model().sha256(), fx.stack.store.sha256Of(BUCKET, straight.model().key()));
    // the weights of the last checkpoint without the two AdamW moments
    assertTrue(straight.model().sizeBytes() < straight.lastCheckpoint().sizeBytes() / 2);
    Path model = tmp.resolve("model-read.pt");
    Path ckpt = tmp.resolve("ckpt-read.pt");
    fx.stack.store.download(BUCKET, straight.model().key(), model);
    fx.stack.store.download(BUCKET, straight.lastCheckpoint().key(), ckpt);
    assertEquals(Checkpoint.readHeader(ckpt), Checkpoint.readHeader(model));
    try (var manager = TestData.djl().newBaseManager();
        LlamaModel a = Checkpoint.loadModel(model, manager);
        LlamaModel b = Checkpoint.loadModel(ckpt, manager)) {
      for (var e : a.weights().entrySet()) {
        assertArrayEquals(e.getValue(), b.weights().get(e.getKey()), 0f, e.getKey());
      }
    }
  }

  @Test
  void lineageGoesFromTheModelThroughCheckpointsAndShardsToDocuments() throws Exception {
    ArtifactRepository artifacts = fx.stack.artifacts;
    List<String> shards = fx.trainShards.stream().map(ArtifactRef::uri).toList();
    assertEquals(List.of(straight.lastCheckpoint().uri(), straight.tokenRanges().uri()).stream().sorted().toList(),
        artifacts.inputsOf(straight.model().uri()));
    assertEquals(shards.stream().sorted().toList(), artifacts.inputsOf(uri("runs/t1/train/ckpt-0000010.pt")));
    assertEquals(Set.copyOf(concat(shards, uri("runs/t1/train/ckpt-0000020.pt"))),
        Set.copyOf(artifacts.inputsOf(uri("runs/t1/train/ckpt-0000030.pt"))));

    LineageQueries lineage = new LineageQueries(fx.stack.db.jdbc());
    Set<String> upstream = lineage.upstream(straight.model().uri()).stream().map(n -> n.artifact().uri())
        .collect(Collectors.toSet());
    assertTrue(upstream.containsAll(shards), upstream.toString());
    assertTrue(upstream.contains(uri("runs/t1/train/ckpt-0000010.pt")), upstream.toString());
    assertTrue(upstream.contains(uri("runs/fixture/dedup/docs-00000.jsonl")), "down to the document shard");

    // 120 windows of 33 tokens out of 198: most documents, but the exact set is recorded
    JsonNode ranges;
    try (InputStream in = fx.stack.store.open(BUCKET, straight.tokenRanges().key())) {
      ranges = new ObjectMapper().readTree(in);
    }
    assertEquals(120, ranges.get("windowsConsumed").asLong());
    long windows = 0;
    for (JsonNode shard : ranges.get("shards")) {
      windows += shard.get("windows").asLong();
      long prevEnd = -1;
      for (JsonNode r : shard.get("ranges")) {
        assertTrue(r.get(0).asLong() > prevEnd, "sorted, disjoint ranges");
        prevEnd = r.get(1).asLong();
      }
    }
    assertEquals(120, windows);
    assertTrue(straight.documentsSeen() > 0 && straight.documentsSeen() <= 2L * fx.documentsPerShard);
    assertEquals(straight.documentsSeen(), fx.stack.documents.countMembers(straight.model().uri()));
    var bySource = lineage.documentsBySourceAndLicense(straight.model().uri());
    assertEquals(1, bySource.size());
    assertEquals("kjv", bySource.get(0).source());
    assertEquals(straight.documentsSeen(), bySource.get(0).documents());
  }

  @Test
  void aRetryResumesFromTheLastCheckpointAndContinuesTheSameRun() throws Exception {
    // what a worker that died at step 25 of run t2 leaves: checkpoint 20 in storage (not yet in our
    // database), and its URI in the last heartbeat
    Path local = tmp.resolve("ckpt-20.pt");
    Files.deleteIfExists(local);
    fx.stack.store.download(BUCKET, "runs/t1/train/ckpt-0000020.pt", local);
    fx.stack.store.putFile(BUCKET, "runs/t2/train/ckpt-0000020.pt", local, "application/octet-stream");
    env.setHeartbeatDetails(new TrainProgress(25, 30, 5.0, 1000, uri("runs/t2/train/ckpt-0000020.pt")));

    TrainResult r = activities.train(new TrainRequest("t2", BUCKET, fx.trainShards, PARAMS));

    assertEquals(20, r.resumedFromStep(), "resumed, not restarted");
    assertEquals(30, r.steps());
    assertEquals(30L * 4 * 32, r.tokensSeen());
    assertEquals(Checkpoint.readHeader(local).tokensSeen() + 10L * 4 * 32, r.tokensSeen());
    assertEquals(null, stat(uri("runs/t2/train/ckpt-0000010.pt")), "steps 1-20 were not trained again");
    // same weights, optimizer state and data position: the loss continues where the straight run had it
    assertEquals(straight.lastLoss(), r.lastLoss(), 1e-4 * straight.lastLoss());
    // the recovered checkpoint was recorded, and the new one follows it
    assertTrue(fx.stack.artifacts.find(uri("runs/t2/train/ckpt-0000020.pt")).isPresent());
    assertTrue(fx.stack.artifacts.inputsOf(uri("runs/t2/train/ckpt-0000030.pt"))
        .contains(uri("runs/t2/train/ckpt-0000020.pt")));
  }

  @Test
  void aRetryAfterTheLastCheckpointOnlyPublishesTheModelAgain() {
    TrainResult again = activities.train(new TrainRequest("t1", BUCKET, fx.trainShards, PARAMS));

    assertEquals(30, again.resumedFromStep());
    assertEquals(30, again.steps());
    assertEquals(straight.model(), again.model(), "same key, same bytes");
    assertEquals(straight.documentsSeen(), again.documentsSeen());
  }

  @Test
  void aCheckpointMadeWithOtherParametersIsNotResumed() throws Exception {
    Path local = tmp.resolve("ckpt-10.pt");
    Files.deleteIfExists(local);
    fx.stack.store.download(BUCKET, "runs/t1/train/ckpt-0000010.pt", local);
    fx.stack.store.putFile(BUCKET, "runs/t3/train/ckpt-0000010.pt", local, "application/octet-stream");

    // a 12-step schedule is another run than the 30-step one that wrote checkpoint 10
    TrainResult r = activities.train(new TrainRequest("t3", BUCKET, fx.trainShards,
        PARAMS.withSteps(12, 6)));

    assertEquals(0, r.resumedFromStep());
    assertEquals(12, r.steps());
    assertNotNull(stat(uri("runs/t3/train/ckpt-0000006.pt")));
  }

  @Test
  void badParametersFailFastWithoutRetry() {
    TrainParams bad = new TrainParams(TrainParams.R50K_VOCAB, 32, 32, 1, 2, 64, 5, 4, 64, 3e-3, 3e-4, 1, 0.1, 1.0,
        5, 7, 8, 0);
    ActivityFailure f = assertThrows(ActivityFailure.class,
        () -> activities.train(new TrainRequest("t4", BUCKET, fx.trainShards, bad)));
    ApplicationFailure cause = (ApplicationFailure) f.getCause();
    assertEquals("BadParameter", cause.getType());
    assertTrue(cause.isNonRetryable());
    assertTrue(cause.getOriginalMessage().contains("seqLen 64 exceeds contextLength 32"), cause.getOriginalMessage());
    assertFalse(fx.stack.store.list(BUCKET, "runs/t4/").iterator().hasNext(), "nothing written");
  }

  private static List<String> concat(List<String> a, String b) {
    return java.util.stream.Stream.concat(a.stream(), java.util.stream.Stream.of(b)).toList();
  }
}
