package dev.pretrain.db.curation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.pretrain.db.Database;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.curation.CurationRepository.Tally;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The curation tally on real H2 (PostgreSQL mode) with Flyway's schema. */
class CurationRepositoryTest {

  Database db;

  @BeforeEach
  void open() {
    db = Database.open("jdbc:h2:mem:curation-" + UUID.randomUUID()
        + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH", "sa", "");
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void aRunWhoseIngestCameFromTheStepCacheTalliesTheIngestOfTheRunThatComputedIt() {
    CurationRepository curation = new CurationRepository(db.jdbc());
    ArtifactRepository artifacts = new ArtifactRepository(db.jdbc());
    // run "first" ingested; run "second" took first's ingest shards from the cache and deduplicated them
    curation.replaceTally("first", "ingest", 0, List.of(new Tally("kjv", "kept", "", 60),
        new Tally("kjv", "filtered", "gopher", 6)));
    curation.replaceTally("second", "dedup", 0, List.of(new Tally("kjv", "deduplicated", "exact duplicate", 4)));
    artifacts.record(artifact("s3://b/runs/first/ingest/shard-0.jsonl", "first", "ingest"), List.of());
    artifacts.record(artifact("s3://b/runs/second/dedup/shard-0.jsonl", "second", "dedup"),
        List.of("s3://b/runs/first/ingest/shard-0.jsonl"));

    var second = curation.tally("second");
    assertEquals(curation.tally("first").get("ingest"), second.get("ingest"));
    assertEquals(1, second.get("dedup").size());
    assertFalse(curation.tally("first").containsKey("dedup"));
  }

  private static ArtifactRepository.Artifact artifact(String uri, String run, String step) {
    return new ArtifactRepository.Artifact(uri, "0".repeat(64), 1, "documents", run, step, "http://s3", "us-east-1",
        Instant.now());
  }
}
