package dev.pretrain.activities.lineage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.pretrain.db.Database;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.documents.DocumentRepository;
import dev.pretrain.db.runs.RunRepository;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.dedup.DedupActivities;
import dev.pretrain.workflows.ingest.IngestActivities;
import dev.pretrain.workflows.ingest.IngestPartition;
import dev.pretrain.workflows.ingest.InputFile;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.testing.TestActivityEnvironment;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.worker.WorkerFactoryOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Step activities run through the real interceptor and OpenLineage client (file and HTTP transports),
 * with residency and recipe read from a real database; every event written is validated against the
 * run-event rules (or the spec itself, with -Dopenlineage.spec=DIR) and our published facet schemas.
 */
class OpenLineageEventsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RUN = "r-20260101-quick";
  private static final String SHA_A = "a".repeat(64);
  private static final String SHA_B = "b".repeat(64);
  private static final String SHA_OUT = "c".repeat(64);
  private static final ArtifactRef SHARD_A = new ArtifactRef("s3://pretrain/runs/" + RUN + "/ingest/docs-00000-000.jsonl", SHA_A, 100);
  private static final ArtifactRef SHARD_B = new ArtifactRef("s3://pretrain/runs/" + RUN + "/ingest/docs-00001-000.jsonl", SHA_B, 200);
  private static final ArtifactRef DEDUPED = new ArtifactRef("s3://pretrain/runs/" + RUN + "/dedup/docs-00000.jsonl", SHA_OUT, 250);
  private static final WorkerLocation WORKER = new WorkerLocation("eu-west-3", "worker-7.internal", "pretrain-worker-42@worker-7.internal");

  static Database db;
  static LineageSchemas schemas;

  @TempDir Path tmp;
  TestActivityEnvironment env;
  LineageEmitter emitter;

  @BeforeAll
  static void database() {
    schemas = LineageSchemas.load();
    db = Database.open("jdbc:h2:mem:" + UUID.randomUUID() + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DB_CLOSE_DELAY=-1",
        "sa", "");
    new RunRepository(db.jdbc()).started(RUN, "pretrain-" + RUN, "quick", "{}", Instant.now());
    ArtifactRepository artifacts = new ArtifactRepository(db.jdbc());
    for (ArtifactRef a : List.of(SHARD_A, SHARD_B, DEDUPED)) {
      // the dedup output was written to another store than the worker's default: its own row wins
      boolean out = a == DEDUPED;
      artifacts.record(new ArtifactRepository.Artifact(a.uri(), a.sha256(), a.sizeBytes(), "documents", RUN,
          out ? "dedup" : "ingest", out ? "https://s3.eu-central-1.example.net" : "http://127.0.0.1:9000",
          out ? "eu-central-1" : "us-east-1", Instant.now()), List.of());
    }
    DocumentRepository documents = new DocumentRepository(db.jdbc());
    documents.insertNew(List.of(
        new DocumentRepository.Document("d1", "debian:hello", "2.10", "README", "GPL-3.0", "en", "FR", SHA_A, 10,
            SHARD_A.uri(), 1, RUN),
        new DocumentRepository.Document("d2", "npm:left-pad", "1.3.0", "README.md", "WTFPL", "en", "DE", SHA_B, 10,
            SHARD_B.uri(), 1, RUN),
        new DocumentRepository.Document("d3", "npm:left-pad", "1.3.0", "LICENSE", "WTFPL", "en", null, SHA_B, 10,
            SHARD_B.uri(), 2, RUN)));
    documents.replaceMembers(DEDUPED.uri(), List.of(new DocumentRepository.Membership("d2", 0, null, null),
        new DocumentRepository.Membership("d1", 1, null, null), new DocumentRepository.Membership("d3", 2, null, null)));
  }

  @AfterAll
  static void close() {
    db.close();
  }

  @AfterEach
  void down() {
    if (env != null) {
      env.close();
    }
    if (emitter != null) {
      emitter.close();
    }
  }

  private <T> T stub(Class<T> activities, Object implementation, URI url) {
    emitter = new LineageEmitter(tmp.resolve("openlineage/events.jsonl"), url);
    ResidencyLookup residency = ResidencyLookup.recorded(new ArtifactRepository(db.jdbc()),
        new ObjectStore("http://127.0.0.1:9000", "k", "s", "us-east-1"));
    RunRepository runs = new RunRepository(db.jdbc());
    StepLineage lineage = new StepLineage(emitter, "pretrain-test", WORKER, residency,
        runId -> runs.find(runId).map(RunRepository.Run::recipe).orElse(null));
    env = TestActivityEnvironment.newInstance(TestEnvironmentOptions.newBuilder()
        .setWorkerFactoryOptions(WorkerFactoryOptions.newBuilder()
            .setWorkerInterceptors(new OpenLineageInterceptor(lineage)).build())
        .build());
    env.registerActivitiesImplementations(implementation);
    return env.newActivityStub(activities, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(Duration.ofMinutes(1))
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
        .build());
  }

  /** The events in the file, each validated against the spec rules and our facet schemas. */
  private List<JsonNode> events() throws IOException {
    List<JsonNode> events = new ArrayList<>();
    for (String line : Files.readAllLines(tmp.resolve("openlineage/events.jsonl"))) {
      JsonNode event = JSON.readTree(line);
      assertEquals(List.of(), schemas.problems(event), line);
      events.add(event);
    }
    return events;
  }

  @Test
  void aCompletedStepReportsItsInputsOutputsAndWhereItRan() throws IOException {
    DedupActivities dedup = stub(DedupActivities.class, new FakeDedup(null), null);
    dedup.dedup(new DedupActivities.DedupRequest(RUN, "pretrain", List.of(SHARD_A, SHARD_B)));

    List<JsonNode> events = events();
    assertEquals(List.of("START", "COMPLETE"), events.stream().map(e -> e.get("eventType").asText()).toList());
    JsonNode start = events.get(0);
    JsonNode complete = events.get(1);
    assertEquals(start.at("/run/runId"), complete.at("/run/runId"), "one OpenLineage run per attempt");
    JsonNode stepRun = complete.at("/run/facets/pretrain_stepRun");
    assertEquals(RUN, stepRun.get("pipelineRunId").asText());
    assertEquals("dedup", stepRun.get("step").asText());
    assertEquals("Dedup", stepRun.get("activityType").asText());
    assertEquals(1, stepRun.get("attempt").asInt());
    assertEquals(LineageNaming.runUuid(RUN, "dedup", stepRun.get("activityId").asText(), 1).toString(),
        complete.at("/run/runId").asText());

    assertEquals("pretrain-test", complete.at("/job/namespace").asText());
    assertEquals("quick.dedup", complete.at("/job/name").asText(), "<recipe>.<step>");
    assertEquals("BATCH", complete.at("/job/facets/jobType/processingType").asText());
    JsonNode parent = complete.at("/run/facets/parent");
    assertEquals("quick", parent.at("/job/name").asText());
    assertEquals("pretrain-test", parent.at("/job/namespace").asText());
    assertEquals(LineageNaming.pipelineRunUuid(RUN).toString(), parent.at("/run/runId").asText());
    assertEquals(parent.at("/run/runId"), parent.at("/root/run/runId"));

    JsonNode where = complete.at("/run/facets/pretrain_processingLocation");
    assertEquals("eu-west-3", where.get("workerRegion").asText());
    assertEquals("worker-7.internal", where.get("host").asText());
    assertEquals("pretrain-worker-42@worker-7.internal", where.get("workerIdentity").asText());
    assertFalse(where.get("taskQueue").asText().isEmpty());
    assertEquals(PretrainFacets.PROCESSING_LOCATION_SCHEMA, where.get("_schemaURL").asText());

    for (JsonNode event : events) {
      assertEquals(List.of("runs/" + RUN + "/ingest/docs-00000-000.jsonl", "runs/" + RUN + "/ingest/docs-00001-000.jsonl"),
          names(event.get("inputs")));
      assertEquals("s3://pretrain", event.at("/inputs/0/namespace").asText());
      assertEquals("sha256:" + SHA_A, event.at("/inputs/0/facets/version/datasetVersion").asText());
      JsonNode inResidency = event.at("/inputs/0/facets/pretrain_residency");
      assertEquals("us-east-1", inResidency.get("storageRegion").asText());
      assertEquals("http://127.0.0.1:9000", inResidency.get("storageEndpoint").asText());
      assertFalse(inResidency.has("jurisdictions"), "no document is recorded as held by an ingest shard here");
    }
    assertEquals(List.of(), names(start.get("outputs")));
    assertEquals(List.of("runs/" + RUN + "/dedup/docs-00000.jsonl"), names(complete.get("outputs")));
    JsonNode out = complete.at("/outputs/0");
    assertEquals("s3://pretrain", out.get("namespace").asText());
    assertEquals("sha256:" + SHA_OUT, out.at("/facets/version/datasetVersion").asText());
    JsonNode residency = out.at("/facets/pretrain_residency");
    assertEquals("eu-central-1", residency.get("storageRegion").asText());
    assertEquals("https://s3.eu-central-1.example.net", residency.get("storageEndpoint").asText());
    assertEquals(List.of("DE", "FR"), strings(residency.get("jurisdictions")), "sorted, unknown ones left out");
    assertEquals(PretrainFacets.RESIDENCY_SCHEMA, residency.get("_schemaURL").asText());
    assertEquals(PretrainFacets.PRODUCER.toString(), complete.get("producer").asText());
  }

  @Test
  void aFailedStepReportsTheErrorAndItsInputsAndTheStepStillFails() throws IOException {
    DedupActivities dedup = stub(DedupActivities.class, new FakeDedup("shard 3 is truncated"),
        null);
    ActivityFailure failure = assertThrows(ActivityFailure.class,
        () -> dedup.dedup(new DedupActivities.DedupRequest(RUN, "pretrain", List.of(SHARD_A))));
    assertTrue(failure.getCause().getMessage().contains("shard 3 is truncated"), "the step's own error reaches Temporal");

    List<JsonNode> events = events();
    assertEquals(List.of("START", "FAIL"), events.stream().map(e -> e.get("eventType").asText()).toList());
    JsonNode fail = events.get(1);
    assertEquals(events.get(0).at("/run/runId"), fail.at("/run/runId"));
    JsonNode error = fail.at("/run/facets/errorMessage");
    assertEquals("IllegalStateException: shard 3 is truncated", error.get("message").asText());
    assertEquals("Java", error.get("programmingLanguage").asText());
    assertTrue(error.get("stackTrace").asText().contains("FakeDedup.dedup"), error.get("stackTrace").asText());
    assertEquals(List.of("runs/" + RUN + "/ingest/docs-00000-000.jsonl"), names(fail.get("inputs")));
    assertEquals(List.of(), names(fail.get("outputs")));
    assertEquals("dedup", fail.at("/run/facets/pretrain_stepRun/step").asText());
  }

  @Test
  void ingestInputsAreTheCorpusObjectsAndLocalFilesAndPlanningIsNoStep() throws IOException {
    IngestActivities ingest = stub(IngestActivities.class, new FakeIngest(), null);
    ingest.planIngest(new IngestActivities.PlanRequest(RUN, List.of("s3://corpus/quick/"), 1 << 20));
    ingest.ingestPartition(new IngestActivities.PartitionRequest(RUN, "pretrain", new IngestPartition(0, List.of(
        new InputFile("s3://corpus/quick/debian/hello.jsonl.gz", 1234, "etag-1"),
        new InputFile("file:///srv/corpus/extra/notes.txt", 99, "99@1700000000"))), 1 << 20, "US"));

    List<JsonNode> events = events();
    assertEquals(List.of("START", "COMPLETE"), events.stream().map(e -> e.get("eventType").asText()).toList(),
        "planning lists inputs, it is not a step: no events");
    JsonNode complete = events.get(1);
    assertEquals("quick.ingest", complete.at("/job/name").asText());
    assertEquals("s3://corpus", complete.at("/inputs/0/namespace").asText());
    assertEquals("quick/debian/hello.jsonl.gz", complete.at("/inputs/0/name").asText());
    assertEquals("us-east-1", complete.at("/inputs/0/facets/pretrain_residency/storageRegion").asText(),
        "an object the database does not know: the worker's store");
    assertFalse(complete.at("/inputs/0/facets").has("version"), "an input file has an ETag, not a SHA-256");
    assertEquals("file", complete.at("/inputs/1/namespace").asText());
    assertEquals("/srv/corpus/extra/notes.txt", complete.at("/inputs/1/name").asText());
    assertFalse(complete.at("/inputs/1/facets").has("pretrain_residency"), "a local file lives where the worker is");
    assertEquals(List.of("runs/" + RUN + "/ingest/docs-00000-000.jsonl", "runs/" + RUN + "/ingest/quarantine-00000.jsonl"),
        names(complete.get("outputs")));
  }

  @Test
  void eventsArePostedToAnHttpEndpointAsWellAsWrittenToTheFile() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    List<String> received = Collections.synchronizedList(new ArrayList<>());
    server.createContext("/", exchange -> {
      received.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " "
          + exchange.getRequestHeaders().getFirst("Content-Type") + "\n"
          + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      exchange.sendResponseHeaders(201, -1);
      exchange.close();
    });
    server.start();
    try {
      URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
      DedupActivities dedup = stub(DedupActivities.class, new FakeDedup(null), url);
      dedup.dedup(new DedupActivities.DedupRequest(RUN, "pretrain", List.of(SHARD_A, SHARD_B)));
      emitter.close(); // sends what is queued
    } finally {
      server.stop(0);
    }
    assertEquals(2, received.size(), String.join("\n\n", received));
    List<String> types = new ArrayList<>();
    for (String request : received) {
      String[] headAndBody = request.split("\n", 2);
      assertTrue(headAndBody[0].startsWith("POST /api/v1/lineage application/json"), headAndBody[0]);
      JsonNode event = JSON.readTree(headAndBody[1]);
      assertEquals(List.of(), schemas.problems(event), headAndBody[1]);
      types.add(event.get("eventType").asText());
    }
    assertEquals(List.of("START", "COMPLETE"), types);
    assertEquals(2, events().size(), "the file has them too");
  }

  @Test
  void anUnreachableEndpointFailsNoStepAndTheFileStillHasEveryEvent() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    DedupActivities dedup = stub(DedupActivities.class, new FakeDedup(null),
        URI.create("http://127.0.0.1:" + closedPort + "/api/v1/lineage"));
    DedupActivities.DedupResult result = dedup.dedup(new DedupActivities.DedupRequest(RUN, "pretrain", List.of(SHARD_A)));
    assertEquals(List.of(DEDUPED), result.keptShards());
    emitter.close();
    assertEquals(List.of("START", "COMPLETE"), events().stream().map(e -> e.get("eventType").asText()).toList());
  }

  @Test
  void aFailingDestinationIsReportedAtMostOncePerMinute() {
    LineageEmitter.RateLimitedWarning warning = new LineageEmitter.RateLimitedWarning("HTTP");
    assertTrue(warning.warn("http://marquez:5000", new IOException("Connection refused")));
    assertFalse(warning.warn("http://marquez:5000", new IOException("Connection refused")));
    assertFalse(warning.warn("http://marquez:5000", new IOException("Connection refused")));
  }

  @Test
  void namesFollowTheSpecAndRunIdsAreStablePerAttempt() {
    assertEquals(new LineageNaming.DatasetName("s3://pretrain", "runs/r1/train/model.pt"),
        LineageNaming.dataset("s3://pretrain/runs/r1/train/model.pt").orElseThrow());
    assertEquals(new LineageNaming.DatasetName("file", "/data/a b.txt"),
        LineageNaming.dataset("file:///data/a%20b.txt").orElseThrow());
    assertTrue(LineageNaming.dataset("s3://bucket-only/").isEmpty());
    assertTrue(LineageNaming.dataset("https://example.org/x").isEmpty());
    assertEquals("pretrain.train", LineageNaming.stepJob(null, "train"));
    UUID first = LineageNaming.runUuid("r1", "tokenize", "7", 1);
    assertEquals(first, LineageNaming.runUuid("r1", "tokenize", "7", 1));
    assertNotEquals(first, LineageNaming.runUuid("r1", "tokenize", "7", 2));
    assertNotEquals(first, LineageNaming.runUuid("r2", "tokenize", "7", 1));
  }

  @Test
  void ourPublishedSchemasAreTheOnesTheFacetsName() throws IOException {
    assertEquals(java.util.Set.of(PretrainFacets.RESIDENCY_SCHEMA, PretrainFacets.PROCESSING_LOCATION_SCHEMA,
            PretrainFacets.STEP_RUN_SCHEMA),
        schemas.ourSchemas().keySet().stream().map(id -> {
          String name = id.substring(id.lastIndexOf('/') + 1, id.length() - ".json".length());
          return id + "#/$defs/" + name;
        }).collect(java.util.stream.Collectors.toSet()));
    for (String id : schemas.ourSchemas().keySet()) {
      // each $id is its own place in the repository, under the published base
      Path file = LineageSchemas.repoRoot().resolve("docs/openlineage")
          .resolve(id.substring(PretrainFacets.SCHEMA_BASE.length()));
      assertEquals(id, JSON.readTree(Files.readString(file)).get("$id").asText());
      assertEquals("https://json-schema.org/draft/2020-12/schema",
          JSON.readTree(Files.readString(file)).get("$schema").asText());
    }
  }

  @Test
  void theValidationRejectsWhatTheSpecAndOurSchemasForbid() throws IOException {
    DedupActivities dedup = stub(DedupActivities.class, new FakeDedup(null), null);
    dedup.dedup(new DedupActivities.DedupRequest(RUN, "pretrain", List.of(SHARD_A)));
    JsonNode valid = events().get(1);

    com.fasterxml.jackson.databind.node.ObjectNode badRunId = valid.deepCopy();
    ((com.fasterxml.jackson.databind.node.ObjectNode) badRunId.get("run")).put("runId", RUN);
    assertTrue(schemas.problems(badRunId).stream().anyMatch(p -> p.contains("/run/runId")), "run ids are UUIDs");

    com.fasterxml.jackson.databind.node.ObjectNode noProducer = valid.deepCopy();
    ((com.fasterxml.jackson.databind.node.ObjectNode) noProducer.at("/run/facets/pretrain_processingLocation"))
        .remove("_producer");
    assertFalse(schemas.problems(noProducer).isEmpty(), "a facet needs _producer");

    com.fasterxml.jackson.databind.node.ObjectNode badResidency = valid.deepCopy();
    ((com.fasterxml.jackson.databind.node.ObjectNode) badResidency.at("/outputs/0/facets/pretrain_residency"))
        .put("storageRegion", "");
    assertTrue(schemas.problems(badResidency).stream().anyMatch(p -> p.contains("pretrain_residency")),
        "our own schema is applied");
  }

  static List<String> names(JsonNode datasets) {
    List<String> names = new ArrayList<>();
    datasets.forEach(d -> names.add(d.get("name").asText()));
    return names;
  }

  static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(v -> values.add(v.asText()));
    return values;
  }

  static final class FakeDedup implements DedupActivities {
    private final String failure;

    /** @param failure the message of the exception it throws, or null to succeed */
    FakeDedup(String failure) {
      this.failure = failure;
    }

    @Override
    public DedupResult dedup(DedupRequest request) {
      if (failure != null) {
        throw new IllegalStateException(failure);
      }
      return new DedupResult(3, 3, 0, 300, List.of(DEDUPED));
    }

    // the partitioned stages are not used here: the events of a stage are those of any step activity
    @Override
    public HashResult hashShard(HashRequest request) {
      throw new UnsupportedOperationException();
    }

    @Override
    public StageResult exactPartition(StageRequest request) {
      throw new UnsupportedOperationException();
    }

    @Override
    public StageResult bucketPartition(StageRequest request) {
      throw new UnsupportedOperationException();
    }

    @Override
    public StageResult verifyPartition(VerifyRequest request) {
      throw new UnsupportedOperationException();
    }

    @Override
    public StageResult components(ComponentsRequest request) {
      throw new UnsupportedOperationException();
    }

    @Override
    public StageResult decontaminationIndex(IndexRequest request) {
      throw new UnsupportedOperationException();
    }

    @Override
    public FilterResult filterGroup(FilterRequest request) {
      throw new UnsupportedOperationException();
    }

    @Override
    public IndexSnapshot indexSnapshot(IndexSnapshotRequest request) {
      throw new UnsupportedOperationException();
    }

    @Override
    public StageResult updateIndex(UpdateIndexRequest request) {
      throw new UnsupportedOperationException();
    }
  }

  static final class FakeIngest implements IngestActivities {
    @Override
    public List<IngestPartition> planIngest(PlanRequest request) {
      return List.of();
    }

    @Override
    public PartitionResult ingestPartition(PartitionRequest request) {
      return new PartitionResult(0, 3, 3, 0, 0, 1333, List.of(SHARD_A),
          new ArtifactRef("s3://pretrain/runs/" + RUN + "/ingest/quarantine-00000.jsonl", "d".repeat(64), 10));
    }
  }
}
