package dev.pretrain.batch.dedup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pretrain.batch.shards.ShardTestStack;
import dev.pretrain.batch.shards.ShardTestStack.Doc;
import dev.pretrain.batch.tokenize.TokenizeJobConfig;
import dev.pretrain.db.documents.DocumentRepository.Decision;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.db.storage.RunObjectKeys;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DedupJobTest {

  Path tmp;
  ShardTestStack stack;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    tmp = dir;
    stack = new ShardTestStack(tmp, DedupJobConfig.class, TokenizeJobConfig.class);
  }

  @AfterAll
  void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  /** Three shards; the last holds only repeats of earlier documents. */
  private List<ObjectStore.Stored> seed(String runId) throws Exception {
    return List.of(
        stack.putIngestShard(tmp, runId, 0, List.of(
            new Doc("a", "Alpha text.\nSecond line.", "src-1"),
            new Doc("b", "Beta — ünïcode ✓", "src-1"),
            new Doc("a-copy", "Alpha text.\nSecond line.", "src-2"))),
        stack.putIngestShard(tmp, runId, 1, List.of(
            new Doc("c", "Gamma", "src-2"),
            new Doc("b-copy", "Beta — ünïcode ✓", "src-2"))),
        stack.putIngestShard(tmp, runId, 2, List.of(
            new Doc("a-copy-2", "Alpha text.\nSecond line.", "src-3"),
            new Doc("c-copy", "Gamma", "src-3"))));
  }

  @Test
  void keepsTheFirstOfExactTwinsAndRecordsTheKeptTwin() throws Exception {
    String runId = "dedup-twins";
    List<ObjectStore.Stored> inputs = seed(runId);
    List<Long> progress = new ArrayList<>();

    DedupJob.Result r = DedupJob.run(stack.runner, new DedupJob.Request(runId, ShardTestStack.BUCKET, inputs, 1),
        progress::add);

    assertEquals(7, r.documentsIn());
    assertEquals(3, r.kept());
    assertEquals(4, r.duplicates());
    assertEquals(r.documentsIn(), r.kept() + r.duplicates());
    assertEquals(inputs.stream().mapToLong(ObjectStore.Stored::sizeBytes).sum(), r.bytesIn());
    assertEquals(7L, progress.get(progress.size() - 1));

    // one output per input, same order; kept lines are the input lines byte for byte
    assertEquals(3, r.outputShards().size());
    assertEquals("runs/dedup-twins/dedup/docs-00000.jsonl", r.outputShards().get(0).key());
    assertEquals(ShardTestStack.line(new Doc("a", "Alpha text.\nSecond line.", "src-1")) + "\n"
            + ShardTestStack.line(new Doc("b", "Beta — ünïcode ✓", "src-1")) + "\n",
        new String(stack.get(r.outputShards().get(0)), StandardCharsets.UTF_8));
    assertEquals(ShardTestStack.line(new Doc("c", "Gamma", "src-2")) + "\n",
        new String(stack.get(r.outputShards().get(1)), StandardCharsets.UTF_8));
    assertEquals(0, r.outputShards().get(2).sizeBytes(), "a shard of duplicates only still gets an (empty) output");
    assertEquals(0, stack.get(r.outputShards().get(2)).length);

    assertEquals(List.of(
            new Decision("a-copy", "duplicate", "same normalized text as a", "a", "exact", null, 1.0, null),
            new Decision("a-copy-2", "duplicate", "same normalized text as a", "a", "exact", null, 1.0, null),
            new Decision("b-copy", "duplicate", "same normalized text as b", "b", "exact", null, 1.0, null),
            new Decision("c-copy", "duplicate", "same normalized text as c", "c", "exact", null, 1.0, null)),
        stack.documents.decisions(runId, "dedup"));

    for (int i = 0; i < 3; i++) {
      ObjectStore.Stored out = r.outputShards().get(i);
      var artifact = stack.artifacts.find(out.uri()).orElseThrow();
      assertEquals("documents", artifact.kind());
      assertEquals("dedup", artifact.step());
      assertEquals(out.sha256(), artifact.sha256());
      assertEquals(ObjectStore.sha256(new ByteArrayInputStream(stack.get(out))), out.sha256());
      assertEquals(List.of(inputs.get(i).uri()), stack.artifacts.inputsOf(out.uri()));
    }
    assertEquals(List.of(2L, 1L, 0L), r.outputShards().stream().map(s -> stack.documents.countMembers(s.uri())).toList());
  }

  @Test
  void rerunWritesByteIdenticalShardsAndTheSameDecisions() throws Exception {
    String runId = "dedup-rerun";
    List<ObjectStore.Stored> inputs = seed(runId);
    DedupJob.Result first = DedupJob.run(stack.runner, new DedupJob.Request(runId, ShardTestStack.BUCKET, inputs, 1), null);
    List<byte[]> firstBytes = new ArrayList<>();
    for (ObjectStore.Stored s : first.outputShards()) {
      firstBytes.add(stack.get(s));
    }

    DedupJob.Result second = DedupJob.run(stack.runner, new DedupJob.Request(runId, ShardTestStack.BUCKET, inputs, 2), null);

    assertEquals(first, second);
    for (int i = 0; i < firstBytes.size(); i++) {
      assertArrayEquals(firstBytes.get(i), stack.get(second.outputShards().get(i)));
    }
    assertEquals(4, stack.documents.decisions(runId, "dedup").size());
    // the same attempt number again (a workflow Reset) is still a fresh launch, not a refused restart
    assertEquals(first, DedupJob.run(stack.runner, new DedupJob.Request(runId, ShardTestStack.BUCKET, inputs, 1), null));
  }

  @Test
  void failsClearlyWhenAShardIsNotTheObjectItsReferenceNames() throws Exception {
    String runId = "dedup-stale";
    ObjectStore.Stored real = seed(runId).get(0);
    ObjectStore.Stored stale = new ObjectStore.Stored(real.bucket(), real.key(), "0".repeat(64), real.sizeBytes());

    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> DedupJob.run(stack.runner, new DedupJob.Request(runId, ShardTestStack.BUCKET, List.of(stale), 1), null));

    assertTrue(e.getMessage().contains(real.uri() + ": content SHA-256 is " + real.sha256()), e.getMessage());
    assertTrue(stack.store.stat(ShardTestStack.BUCKET, RunObjectKeys.dedupShard(runId, 0)).isEmpty(),
        "nothing published");
  }

  @Test
  void rejectsARequestWithoutRunId() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DedupJob.run(stack.runner, new DedupJob.Request(" ", ShardTestStack.BUCKET, List.of(), 1), null));
    assertEquals("dedup request has no runId", e.getMessage());
  }
}
