package dev.pretrain.batch.dedup.stages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pretrain.batch.dedup.DedupJob;
import dev.pretrain.batch.dedup.DedupJobConfig;
import dev.pretrain.batch.shards.ShardTestStack;
import dev.pretrain.batch.shards.ShardTestStack.Doc;
import dev.pretrain.db.documents.DocumentRepository.Decision;
import dev.pretrain.db.storage.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The partitioned dedup's stages end to end over S3Proxy and H2 (the workflow's order, run in-process):
 * exact copies, near copies, a chain joined through a middle member, the keep rule, and the same
 * result for any partition count.
 */
class PartitionedDedupTest {

  @TempDir
  static Path tmp;
  static ShardTestStack stack;
  static List<ObjectStore.Stored> shards;
  static int run;

  // base texts: 300 words each from a seeded vocabulary, so unrelated documents share no 5-gram
  static final String A = prose(1);
  static final String B = prose(2);
  static final String C = prose(3);
  static final String D = prose(4);

  @BeforeAll
  static void up() throws Exception {
    stack = new ShardTestStack(tmp, DedupJobConfig.class);
    List<List<Doc>> docs = List.of(
        List.of(new Doc("a/1", A, "alpha"), new Doc("b/1", B, "alpha"), new Doc("c/1", C, "alpha")),
        List.of(new Doc("a/2", A, "beta"), new Doc("b/2", substitute(B, 2), "beta"), new Doc("d/1", D, "beta")),
        // c/2 is near c/1; c/3 is near c/2 but further from c/1 (the chain); a/3 differs only in case/punctuation
        List.of(new Doc("c/2", substitute(C, 5), "gamma"), new Doc("c/3", substitute(substitute(C, 5), 4), "gamma"),
            new Doc("a/3", A.toUpperCase().replace(" ", " , "), "gamma")),
        List.of(new Doc("a/0", A, "gamma")));
    shards = new ArrayList<>();
    for (int i = 0; i < docs.size(); i++) {
      shards.add(stack.putIngestShard(tmp, "src", i, docs.get(i)));
    }
  }

  @AfterAll
  static void down() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void removesExactAndNearCopiesAndRecordsWhy() throws Exception {
    Outcome o = dedup(3, List.of());
    assertEquals(10, o.result.documentsIn());
    // a/0 is first by id: a/1, a/2 are its exact copies; a/3 (case, punctuation) is its near copy at Jaccard 1
    Map<String, Decision> d = o.decisions;
    assertEquals(Set.of("a/1", "a/2", "a/3", "b/2", "c/2", "c/3"), d.keySet(), d.toString());
    assertEquals("exact", d.get("a/1").dedupKind());
    assertEquals("a/0", d.get("a/1").relatedDocId());
    assertEquals(1.0, d.get("a/1").jaccardExact());
    assertEquals("fuzzy", d.get("a/3").dedupKind());
    assertEquals(1.0, d.get("a/3").jaccardExact());
    assertEquals("fuzzy", d.get("b/2").dedupKind());
    assertEquals("b/1", d.get("b/2").relatedDocId());
    assertTrue(d.get("b/2").jaccardExact() >= 0.8 && d.get("b/2").jaccardExact() < 1, d.get("b/2").toString());
    assertNotNull(d.get("b/2").jaccardEstimated());
    assertTrue(d.get("b/2").reason().startsWith("near-duplicate of b/1 (Jaccard 0."), d.get("b/2").reason());
    // c/3 reached c/1 only through c/2: its own similarity to the kept c/1 is measured and recorded
    assertEquals("c/1", d.get("c/3").relatedDocId());
    assertTrue(d.get("c/3").reason().contains("linked through c/2"), d.get("c/3").reason());
    assertTrue(d.get("c/3").jaccardExact() < d.get("c/2").jaccardExact(), d.toString());
    assertEquals(4, o.result.kept());
    assertEquals(Map.of("exact", 2L, "fuzzy", 4L, "contaminated", 0L), o.result.byKind());
    assertEquals(List.of("a/0"), o.kept.get(3));
    assertEquals(List.of("b/1", "c/1"), o.kept.get(0));
    assertEquals(List.of("d/1"), o.kept.get(1));
    assertEquals(List.of(), o.kept.get(2));
  }

  @Test
  void theResultDoesNotDependOnThePartitionCount() throws Exception {
    Outcome one = dedup(1, List.of());
    for (int p : new int[] {2, 5, 9}) {
      Outcome other = dedup(p, List.of());
      assertEquals(one.kept, other.kept, "partitions " + p);
      assertEquals(summary(one.decisions), summary(other.decisions), "partitions " + p);
    }
  }

  @Test
  void theKeepRulePrefersTheRecipesSources() throws Exception {
    Outcome o = dedup(3, List.of("beta"));
    assertEquals("a/2", o.decisions.get("a/0").relatedDocId());
    assertEquals("b/2", o.decisions.get("b/1").relatedDocId());
    assertTrue(o.kept.get(1).containsAll(List.of("a/2", "b/2")), o.kept.toString());
  }

  @Test
  void aRecurringRunDropsWhatEarlierRunsKeptThroughTheIndex() throws Exception {
    DedupSettings s = new DedupSettings(3, List.of(), true, 0.8, 14, 8, 42L, true, Set.of());
    StageChain chain = new StageChain(stack.store, stack.runner, ShardTestStack.BUCKET, tmp);
    // night 1: the first two shards
    StageChain.Outcome first = chain.run("night-1", shards.subList(0, 2), s, "nightly");
    assertEquals(4, first.kept(), "a/1, b/1, c/1, d/1");
    DedupIndex v1 = DedupIndex.latest(stack.store, ShardTestStack.BUCKET, "nightly").orElseThrow();
    assertEquals(1, v1.version());
    assertEquals(List.of("night-1"), v1.runs());
    // night 2: the prefix now also holds new files: one new document, a copy and a near copy of old ones
    String e = prose(5);
    ObjectStore.Stored fresh = stack.putIngestShard(tmp, "src2", 9, List.of(new Doc("e/1", e, "delta"),
        new Doc("x/1", C, "delta"), new Doc("x/2", substitute(B, 2), "delta")));
    List<ObjectStore.Stored> night2 = new ArrayList<>(shards.subList(0, 2));
    night2.add(fresh);
    StageChain.Outcome second = chain.run("night-2", night2, s, "nightly");
    assertEquals(9, second.documentsIn());
    assertEquals(1, second.kept(), "only e/1 is new");
    Map<String, Decision> d = stack.documents.decisions("night-2", DedupJob.STEP).stream()
        .collect(Collectors.toMap(Decision::docId, x -> x));
    assertEquals("c/1", d.get("x/1").relatedDocId());
    assertEquals("exact", d.get("x/1").dedupKind());
    assertTrue(d.get("x/1").reason().endsWith("kept by an earlier run (dedup index)"), d.get("x/1").reason());
    assertEquals("b/1", d.get("x/2").relatedDocId());
    assertEquals("fuzzy", d.get("x/2").dedupKind());
    // the documents night 1 kept are dropped as exact copies of themselves as indexed (same id, same text)
    assertEquals("a/1", d.get("a/1").relatedDocId());
    DedupIndex v2 = DedupIndex.latest(stack.store, ShardTestStack.BUCKET, "nightly").orElseThrow();
    assertEquals(2, v2.version());
    assertEquals(List.of("night-1", "night-2"), v2.runs());
    assertEquals(v1.shards(), v2.shards().subList(0, v1.shards().size()), "v1's table is kept as it was");
    // an index built with other parameters is refused, not silently mixed
    DedupSettings other = new DedupSettings(5, List.of(), true, 0.8, 14, 8, 42L, true, Set.of());
    assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> v2.requireCompatible(other)).getMessage().contains("was built with 3 partitions"));
  }

  record Outcome(DedupJob.Result result, Map<String, Decision> decisions, Map<Integer, List<String>> kept) {}

  /** Runs every stage as the workflow does, for P partitions, as a run of its own. */
  static Outcome dedup(int partitions, List<String> keep) throws Exception {
    String runId = "run-" + (++run);
    DedupSettings s = new DedupSettings(partitions, keep, true, 0.8, 14, 8, 42L, true, Set.of());
    StageChain.Outcome o = new StageChain(stack.store, stack.runner, ShardTestStack.BUCKET, tmp).run(runId, shards, s);
    Map<Integer, List<String>> keptIds = new TreeMap<>();
    for (Map.Entry<Integer, ObjectStore.Stored> e : o.keptShards().entrySet()) {
      keptIds.put(e.getKey(), ids(new String(stack.get(e.getValue()), StandardCharsets.UTF_8)));
    }
    Map<String, Decision> decisions = stack.documents.decisions(runId, DedupJob.STEP).stream()
        .collect(Collectors.toMap(Decision::docId, x -> x));
    assertEquals(o.documentsIn(), o.kept() + o.duplicates());
    return new Outcome(new DedupJob.Result(o.documentsIn(), o.kept(), o.duplicates(), 0, List.of(), o.byKind()),
        decisions, keptIds);
  }

  static Map<String, String> summary(Map<String, Decision> decisions) {
    Map<String, String> out = new TreeMap<>();
    decisions.forEach((id, d) -> out.put(id, d.dedupKind() + " " + d.relatedDocId() + " " + d.jaccardExact()));
    return out;
  }

  static List<String> ids(String jsonl) {
    List<String> out = new ArrayList<>();
    for (String line : jsonl.split("\n")) {
      if (!line.isBlank()) {
        int i = line.indexOf("\"id\":\"") + 6;
        out.add(line.substring(i, line.indexOf('"', i)));
      }
    }
    return out;
  }

  static String prose(int seed) {
    Random r = new Random(seed);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 300; i++) {
      sb.append(i == 0 ? "" : " ").append("w").append(seed).append("x").append(r.nextInt(100_000));
    }
    return sb.toString();
  }

  /** Replaces k words spread evenly over the text with new ones. */
  static String substitute(String text, int k) {
    String[] words = text.split(" ");
    for (int j = 0; j < k; j++) {
      int at = (int) ((j + 0.5) * words.length / k);
      words[at] = "sub" + k + "n" + j + words[at];
    }
    return String.join(" ", words);
  }
}
