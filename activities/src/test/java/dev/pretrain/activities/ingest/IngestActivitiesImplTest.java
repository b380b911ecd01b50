package dev.pretrain.activities.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pretrain.activities.PipelineServices;
import dev.pretrain.batch.BatchJobRunner;
import dev.pretrain.batch.ingest.IngestJobConfig;
import dev.pretrain.batch.testing.S3ProxyFixture;
import dev.pretrain.db.Database;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.workflows.StepFailures;
import dev.pretrain.workflows.ingest.IngestActivities;
import dev.pretrain.workflows.ingest.IngestPartition;
import dev.pretrain.workflows.ingest.IngestProgress;
import dev.pretrain.workflows.ingest.InputFile;
import io.temporal.activity.ActivityOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestActivityEnvironment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ingest activities in Temporal's activity test environment, over S3Proxy, H2 and the real batch job. */
class IngestActivitiesImplTest {

  static final String BUCKET = "pretrain-test";

  @TempDir
  static Path tmp;
  static S3ProxyFixture s3;
  static ObjectStore store;
  static Database db;
  static BatchJobRunner runner;

  TestActivityEnvironment env;
  IngestActivities activities;

  @BeforeAll
  static void up() throws Exception {
    s3 = S3ProxyFixture.start(tmp.resolve("s3"));
    store = s3.objectStore();
    store.ensureBucket(BUCKET);
    db = Database.open("jdbc:h2:mem:" + UUID.randomUUID() + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DB_CLOSE_DELAY=-1",
        "sa", "");
    runner = new BatchJobRunner(db, store, Files.createDirectories(tmp.resolve("work")), IngestJobConfig.class);
  }

  @AfterAll
  static void down() {
    runner.close();
    db.close();
    s3.close();
  }

  @BeforeEach
  void stub() {
    env = TestActivityEnvironment.newInstance();
    env.registerActivitiesImplementations(new IngestActivitiesImpl(new PipelineServices(db, store, runner, tmp)));
    activities = env.newActivityStub(IngestActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofMinutes(2)).setHeartbeatTimeout(Duration.ofSeconds(30)).build());
  }

  @AfterEach
  void closeEnv() {
    env.close();
  }

  @Test
  void planExpandsDirectoriesAndPrefixesSortsAndGroups() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("plan/corpus/nested"));
    Files.writeString(dir.resolve("b.jsonl"), "x".repeat(400));
    Files.writeString(dir.getParent().resolve("a.txt"), "y".repeat(300));
    Files.writeString(dir.getParent().resolve(".hidden"), "z".repeat(100)); // nothing but directories is skipped
    Path big = Files.writeString(tmp.resolve("plan/big.jsonl"), "w".repeat(5000));
    put("plan/s3/one.jsonl", "o".repeat(300));
    put("plan/s3/two.jsonl", "t".repeat(300));
    put("plan/s30/not-below-the-prefix.jsonl", "n".repeat(300));

    List<IngestPartition> plan = activities.planIngest(new IngestActivities.PlanRequest("run-plan",
        List.of(dir.getParent().toString(), "s3://" + BUCKET + "/plan/s3", big.toUri().toString(),
            dir.resolve("b.jsonl").toString()), // named twice: ingested once
        1000));

    List<String> uris = plan.stream().flatMap(p -> p.files().stream()).map(InputFile::uri).toList();
    assertEquals(List.of(big.toUri().toString(), dir.getParent().resolve(".hidden").toUri().toString(),
        dir.getParent().resolve("a.txt").toUri().toString(), dir.resolve("b.jsonl").toUri().toString(),
        "s3://" + BUCKET + "/plan/s3/one.jsonl", "s3://" + BUCKET + "/plan/s3/two.jsonl"), uris);
    // big (5000 > 1000) alone; then .hidden + a.txt + b.jsonl = 800; then the two S3 objects
    assertEquals(List.of(1, 3, 2), plan.stream().map(p -> p.files().size()).toList());
    assertEquals(List.of(0, 1, 2), plan.stream().map(IngestPartition::index).toList());
    assertEquals(800, plan.get(1).sizeBytes());
  }

  @Test
  void badInputFailsFastNamingTheInput() {
    ApplicationFailure missingPath = badInput(() -> activities.planIngest(
        new IngestActivities.PlanRequest("run-bad", List.of(tmp.resolve("no/such/dir").toString()), 1000)));
    assertTrue(missingPath.getOriginalMessage().contains("no/such/dir"), missingPath.getOriginalMessage());
    assertTrue(missingPath.getOriginalMessage().contains("does not exist"), missingPath.getOriginalMessage());

    ApplicationFailure missingBucket = badInput(() -> activities.planIngest(
        new IngestActivities.PlanRequest("run-bad", List.of("s3://no-such-bucket/corpus/"), 1000)));
    assertTrue(missingBucket.getOriginalMessage().contains("bucket 'no-such-bucket' does not exist"),
        missingBucket.getOriginalMessage());

    ApplicationFailure emptyPrefix = badInput(() -> activities.planIngest(
        new IngestActivities.PlanRequest("run-bad", List.of("s3://" + BUCKET + "/nothing-here/"), 1000)));
    assertTrue(emptyPrefix.getOriginalMessage().contains("s3://" + BUCKET + "/nothing-here/"),
        emptyPrefix.getOriginalMessage());
  }

  @Test
  void ingestPartitionRunsTheJobHeartbeatsAndMapsTheResult() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("partition"));
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 450; i++) {
      sb.append("{\"id\":\"p-").append(i).append("\",\"text\":\"document number ").append(i).append("\"}\n");
    }
    sb.append("{\"no\":\"text\"}\n");
    Path file = Files.writeString(dir.resolve("docs.jsonl"), sb.toString());
    List<IngestProgress> beats = new CopyOnWriteArrayList<>();
    env.setActivityHeartbeatListener(IngestProgress.class, beats::add);

    List<IngestPartition> plan = activities.planIngest(
        new IngestActivities.PlanRequest("run-act", List.of(dir.toString()), 1 << 20));
    IngestActivities.PartitionResult r = activities.ingestPartition(
        new IngestActivities.PartitionRequest("run-act", BUCKET, plan.get(0), 4096, "EU"));

    assertEquals(451, r.recordsIn());
    assertEquals(450, r.kept());
    assertEquals(0, r.rejected());
    assertEquals(1, r.quarantined());
    assertEquals(Files.size(file), r.bytesIn());
    assertTrue(r.documentShards().size() > 1);
    assertEquals("s3://" + BUCKET + "/runs/run-act/ingest/docs-00000-000.jsonl", r.documentShards().get(0).uri());
    assertEquals(store.sha256Of(BUCKET, r.documentShards().get(0).key()), r.documentShards().get(0).sha256());
    assertNotNull(r.quarantine());
    assertEquals("s3://" + BUCKET + "/runs/run-act/ingest/quarantine-00000.jsonl", r.quarantine().uri());
    assertFalse(beats.isEmpty(), "heartbeats after chunks");
    assertEquals(200, beats.get(0).records(), "the first heartbeat comes after the first chunk");
    assertTrue(beats.get(0).bytes() > 0 && beats.get(0).bytes() <= Files.size(file));
  }

  @Test
  void aMissingOutputBucketIsBadInput() throws Exception {
    Path file = Files.writeString(tmp.resolve("one.jsonl"), "{\"text\":\"hello\"}\n");
    IngestPartition p = new IngestPartition(0, List.of(new InputFile(file.toUri().toString(), Files.size(file))));
    ApplicationFailure f = badInput(() -> activities.ingestPartition(
        new IngestActivities.PartitionRequest("run-nobucket", "no-such-output", p, 4096, null)));
    assertTrue(f.getOriginalMessage().contains("no-such-output"), f.getOriginalMessage());
    assertNull(store.stat(BUCKET, "runs/run-nobucket/ingest/docs-00000-000.jsonl").orElse(null));
  }

  private static ApplicationFailure badInput(Runnable call) {
    ActivityFailure failure = assertThrows(ActivityFailure.class, call::run);
    ApplicationFailure app = (ApplicationFailure) failure.getCause();
    assertEquals(StepFailures.BAD_INPUT, app.getType());
    assertTrue(app.isNonRetryable());
    return app;
  }

  private static void put(String key, String content) throws Exception {
    Path f = Files.createTempFile(tmp, "put", ".bin");
    Files.writeString(f, content, StandardCharsets.UTF_8);
    store.putFile(BUCKET, key, f, "application/x-ndjson");
  }
}
