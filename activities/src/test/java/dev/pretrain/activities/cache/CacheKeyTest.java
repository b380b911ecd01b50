package dev.pretrain.activities.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.dedup.DedupActivities;
import dev.pretrain.workflows.ingest.IngestActivities;
import dev.pretrain.workflows.tokenize.TokenizeActivities;
import java.util.List;
import org.junit.jupiter.api.Test;

class CacheKeyTest {

  private static String dedupKey(String runId, String uri, String sha) {
    return CacheKey.of("Dedup", "dedup-1", new Object[] {
        new DedupActivities.DedupRequest(runId, "pretrain", List.of(new ArtifactRef(uri, sha, 10)))});
  }

  @Test
  void theSameInputBytesUnderAnotherRunGiveTheSameKey() {
    assertEquals(dedupKey("run-a", "s3://pretrain/runs/run-a/ingest/d-0.jsonl", "ab"),
        dedupKey("run-b", "s3://pretrain/runs/run-b/ingest/d-0.jsonl", "ab"));
  }

  @Test
  void anotherDigestParameterOrCodeVersionGivesAnotherKey() {
    String base = dedupKey("r", "s3://b/k", "ab");
    assertNotEquals(base, dedupKey("r", "s3://b/k", "cd"));
    assertNotEquals(base, CacheKey.of("Dedup", "dedup-2", new Object[] {
        new DedupActivities.DedupRequest("r", "pretrain", List.of(new ArtifactRef("s3://b/k", "ab", 10)))}));
    String r50k = CacheKey.of("TokenizeShard", "tokenize-1", new Object[] {new TokenizeActivities.TokenizeRequest(
        "r", "pretrain", 0, new ArtifactRef("s3://b/k", "ab", 10), "r50k_base", 0.01, List.of())});
    String cl100k = CacheKey.of("TokenizeShard", "tokenize-1", new Object[] {new TokenizeActivities.TokenizeRequest(
        "r", "pretrain", 0, new ArtifactRef("s3://b/k", "ab", 10), "cl100k_base", 0.01, List.of())});
    assertNotEquals(r50k, cl100k);
  }

  @Test
  void findsEveryArtifactInAResult() {
    var result = new DedupActivities.DedupResult(3, 2, 1, 30,
        List.of(new ArtifactRef("s3://b/x", "11", 1), new ArtifactRef("s3://b/y", "22", 2)));
    assertEquals(2, CacheKey.artifactsIn(new ObjectMapper().valueToTree(result)).size());
  }

  @Test
  void everyCachedActivityTypeIsKnownWithItsResultType() {
    assertEquals(IngestActivities.PartitionResult.class,
        CachedSteps.forActivityType("IngestPartition").orElseThrow().resultType());
    assertEquals("train", CachedSteps.forActivityType("Evaluate").orElseThrow().stepOf()
        .apply(new ObjectMapper().createObjectNode().put("label", "initial")));
    assertEquals("evaluate", CachedSteps.forActivityType("Evaluate").orElseThrow().stepOf()
        .apply(new ObjectMapper().createObjectNode().put("label", "final")));
  }
}
