package dev.pretrain.activities.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pretrain.activities.PipelineServices;
import dev.pretrain.activities.placement.SovereigntyPolicy;
import dev.pretrain.batch.testing.S3ProxyFixture;
import dev.pretrain.db.Database;
import dev.pretrain.db.documents.SourceRepository;
import dev.pretrain.db.placement.PlacementRepository;
import dev.pretrain.db.runs.RunRepository;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.workflows.StepNames;
import dev.pretrain.workflows.run.Placement;
import dev.pretrain.workflows.run.RunRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plan activity against H2 and S3Proxy: sources from the table and the object listing, decisions recorded. */
class RoutingPlanTest {

  @TempDir
  static Path tmp;
  static S3ProxyFixture s3;
  static ObjectStore store;
  static Database db;
  static RoutingActivitiesImpl routing;

  @BeforeAll
  static void up() throws Exception {
    s3 = S3ProxyFixture.start(tmp.resolve("s3"));
    store = s3.objectStore();
    store.ensureBucket("corpus");
    for (String key : List.of("sov/debian-handbook/part-00000.jsonl", "sov/kjv/part-00000.jsonl")) {
      Path f = Files.writeString(tmp.resolve("f.jsonl"), "{\"text\":\"x\"}\n");
      store.putFile("corpus", key, f, "application/jsonl");
    }
    db = Database.open("jdbc:h2:mem:" + UUID.randomUUID() + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DB_CLOSE_DELAY=-1",
        "sa", "");
    SourceRepository sources = new SourceRepository(db.jdbc());
    sources.upsert(new SourceRepository.Source("debian-handbook", "debian", "debian-handbook", "12", "sha256", "ab",
        "GPL-2", "EU", 1, 1, Instant.now()));
    sources.upsert(new SourceRepository.Source("kjv", "debian", "sword-text-kjv", "14", "sha256", "cd",
        "public-domain", "US", 1, 1, Instant.now()));
    SovereigntyPolicy policy = SovereigntyPolicy.parse("""
        regions:
          eu: {bucket: pretrain-eu}
          us: {bucket: pretrain-us}
        jurisdictions:
          EU: {store: [eu], process: [eu]}
          "*": {store: [eu, us], process: [eu, us]}
        """, "policy.yaml");
    routing = new RoutingActivitiesImpl(new PipelineServices(db, store, null, tmp), policy);
  }

  @AfterAll
  static void down() {
    db.close();
    s3.close();
  }

  static RunRequest request(String runId, String region, Path local) {
    new RunRepository(db.jdbc()).started(runId, "pretrain-" + runId, "sov", "{}", Instant.now());
    return new RunRequest(runId, "sov", List.of("s3://corpus/sov/", local.toString()), "pretrain",
        RunRequest.IngestParams.defaults(), RunRequest.TokenizeParams.defaults(), null, null, StepNames.TOKENIZE,
        new RunRequest.Sovereignty(region, Map.of()));
  }

  @Test
  void aCompliantRunIsPlacedInItsRegionAndEveryDecisionIsRecorded() throws Exception {
    Path local = Files.createDirectories(tmp.resolve("local-a"));
    Files.writeString(local.resolve("notes.txt"), "plain text");

    Placement p = routing.plan(request("run-eu", "eu", local));

    assertEquals(new Placement("eu", "pretrain-eu", "pretrain-train-eu", "pretrain-eu", null, p.jurisdictions()), p);
    assertEquals("eu", p.jurisdictions().region(), "ingest checks each record's jurisdiction against the region's rule");
    assertTrue(store.bucketExists("pretrain-eu"));
    List<PlacementRepository.Decision> rows = new PlacementRepository(db.jdbc()).decisions("run-eu");
    // three sources (two known, the local input) x three steps (until tokenize)
    assertEquals(9, rows.size());
    assertTrue(rows.stream().allMatch(d -> d.decision().equals("allowed") && d.taskQueue().equals("pretrain-eu")));
    assertEquals(List.of(local + " unknown", "debian-handbook EU", "kjv US"),
        rows.stream().map(d -> d.source() + " " + d.jurisdiction()).distinct().toList());
  }

  @Test
  void aRefusedRunRecordsWhyAndMarksIngestRefused() throws Exception {
    Path local = Files.createDirectories(tmp.resolve("local-b"));
    Files.writeString(local.resolve("notes.txt"), "plain text");

    Placement p = routing.plan(request("run-us", "us", local));

    assertTrue(p.hasRefusal());
    assertNull(p.dataTaskQueue());
    assertTrue(p.refusal().startsWith("source 'debian-handbook' (jurisdiction EU) may only be processed in [eu]"),
        p.refusal());
    List<PlacementRepository.Decision> refused = new PlacementRepository(db.jdbc()).refusals(Instant.EPOCH);
    assertEquals(List.of("debian-handbook"), refused.stream().map(PlacementRepository.Decision::source).distinct().toList());
    RunRepository.Step ingest = new RunRepository(db.jdbc()).step("run-us", "ingest").orElseThrow();
    assertEquals("refused", ingest.status());
    assertEquals(p.refusal(), ingest.error());
    assertFalse(store.bucketExists("pretrain-us"), "nothing was created for a refused run");
  }

  @Test
  void withoutAPolicyEveryRunIsUnrestricted() {
    assertEquals(Placement.unrestricted(), new RoutingActivitiesImpl().plan(null));
  }
}
