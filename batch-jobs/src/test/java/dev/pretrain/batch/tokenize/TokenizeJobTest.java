package dev.pretrain.batch.tokenize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.api.IntArrayList;
import dev.pretrain.batch.dedup.DedupJobConfig;
import dev.pretrain.batch.shards.ShardTestStack;
import dev.pretrain.batch.shards.ShardTestStack.Doc;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.db.storage.RunObjectKeys;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenizeJobTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String HELD_OUT = "held-out-src";

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

  /** 60 documents, a few from a held-out source, with text that exercises byte-level BPE. */
  private static List<Doc> corpus() {
    String[] texts = {
        "Hello, world!",
        "The quick brown fox jumps over the lazy dog.\n\n  Indented line\twith tab.",
        "Text that mentions <|endoftext|> literally must not become the special token.",
        "Ünïcödé, 中文, русский, emoji 🧪🚀 and a combining e\u0301.",
        "",
        "    def f(x):\n        return x ** 2  # code\n",
        "a".repeat(3000),
    };
    List<Doc> docs = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      String source = i % 10 == 7 ? HELD_OUT : "main-src";
      docs.add(new Doc("doc-" + i, texts[i % texts.length] + (i % 3 == 0 ? "" : " #" + i), source));
    }
    return docs;
  }

  /** The split rule recomputed independently: first 8 bytes of SHA-256(id) as unsigned, mod 10^6. */
  private static boolean expectVal(Doc d, double valFraction) throws Exception {
    if (d.source().equals(HELD_OUT)) {
      return true;
    }
    byte[] h = MessageDigest.getInstance("SHA-256").digest(d.id().getBytes(StandardCharsets.UTF_8));
    long bucket = new BigInteger(1, Arrays.copyOf(h, 8)).mod(BigInteger.valueOf(1_000_000)).longValue();
    return bucket < Math.round(valFraction * 1_000_000);
  }

  private TokenizeJob.Request request(String runId, ObjectStore.Stored shard, double valFraction, List<String> heldOut,
      int attempt) {
    return new TokenizeJob.Request(runId, ShardTestStack.BUCKET, 3, shard, "r50k_base", valFraction, heldOut, attempt);
  }

  @Test
  void writesLlmcShardsWhoseRangesDecodeToEndOfTextPlusEachDocument() throws Exception {
    String runId = "tok-main";
    List<Doc> docs = corpus();
    ObjectStore.Stored shard = stack.putIngestShard(tmp, runId, 0, docs);
    List<Long> progress = new ArrayList<>();

    TokenizeJob.Result r = TokenizeJob.run(stack.runner, request(runId, shard, 0.3, List.of(HELD_OUT), 1), progress::add);

    assertEquals(3, r.shardIndex());
    assertEquals(60, r.documents());
    assertEquals(60, r.trainDocuments() + r.valDocuments());
    assertEquals(60L, progress.get(progress.size() - 1));
    assertEquals(shard.sizeBytes(), r.bytesIn());
    assertEquals("runs/tok-main/tokenize/train-00003.bin", r.trainBin().key());
    assertEquals("runs/tok-main/tokenize/val-00003.map.jsonl", r.valMap().key());

    Map<String, Doc> byId = new HashMap<>();
    docs.forEach(d -> byId.put(d.id(), d));
    Map<String, Split> seen = new HashMap<>();
    check(Split.TRAIN, r.trainBin(), r.trainMap(), r.trainTokens(), r.trainDocuments(), byId, seen, shard);
    check(Split.VAL, r.valBin(), r.valMap(), r.valTokens(), r.valDocuments(), byId, seen, shard);

    assertEquals(byId.keySet(), seen.keySet(), "every document lands in exactly one split");
    for (Doc d : docs) {
      assertEquals(expectVal(d, 0.3) ? Split.VAL : Split.TRAIN, seen.get(d.id()), d.id());
    }
    assertTrue(docs.stream().filter(d -> d.source().equals(HELD_OUT)).allMatch(d -> seen.get(d.id()) == Split.VAL));
    assertTrue(r.trainDocuments() > 0 && r.valDocuments() > 6, "both splits used: " + r);
  }

  private void check(Split split, ObjectStore.Stored bin, ObjectStore.Stored map, long tokens, long documents,
      Map<String, Doc> byId, Map<String, Split> seen, ObjectStore.Stored source) throws Exception {
    int[] shardTokens = LlmcTokenShard.read(new ByteArrayInputStream(stack.get(bin)), bin.uri());
    assertEquals(tokens, shardTokens.length, split + " header count");

    String[] lines = new String(stack.get(map), StandardCharsets.UTF_8).split("\n");
    assertEquals(documents, lines.length);
    List<Map<String, Object>> members = stack.db.jdbc().queryForList(
        "SELECT doc_id, ordinal, token_start, token_end FROM artifact_documents WHERE artifact_uri = ? ORDER BY ordinal",
        bin.uri());
    assertEquals(documents, members.size());

    long expectedStart = 0;
    for (int i = 0; i < lines.length; i++) {
      JsonNode m = JSON.readTree(lines[i]);
      String id = m.get("doc_id").asText();
      int start = m.get("start").asInt();
      int end = m.get("end").asInt();
      assertEquals(expectedStart, start, "ranges tile the shard");
      assertEquals(DocumentTokenizer.END_OF_TEXT, shardTokens[start], "each document starts with <|endoftext|>");
      IntArrayList text = new IntArrayList();
      for (int t = start + 1; t < end; t++) {
        assertTrue(shardTokens[t] != DocumentTokenizer.END_OF_TEXT, "no special token inside " + id);
        text.add(shardTokens[t]);
      }
      assertEquals(byId.get(id).text(), DocumentTokenizer.r50k().decode(text), id);
      assertEquals(null, seen.put(id, split), id + " appears once");
      assertEquals(id, members.get(i).get("doc_id"));
      assertEquals((long) start, ((Number) members.get(i).get("token_start")).longValue());
      assertEquals((long) end, ((Number) members.get(i).get("token_end")).longValue());
      expectedStart = end;
    }
    assertEquals(tokens, expectedStart);

    var binRow = stack.artifacts.find(bin.uri()).orElseThrow();
    assertEquals("tokens", binRow.kind());
    assertEquals("tokenize", binRow.step());
    assertEquals(bin.sha256(), binRow.sha256());
    assertEquals(List.of(source.uri()), stack.artifacts.inputsOf(bin.uri()));
    var mapRow = stack.artifacts.find(map.uri()).orElseThrow();
    assertEquals("token-map", mapRow.kind());
    assertEquals(List.of(source.uri(), bin.uri()).stream().sorted().toList(), stack.artifacts.inputsOf(map.uri()));
  }

  @Test
  void rerunWritesByteIdenticalShards() throws Exception {
    String runId = "tok-rerun";
    ObjectStore.Stored shard = stack.putIngestShard(tmp, runId, 0, corpus());
    TokenizeJob.Result first = TokenizeJob.run(stack.runner, request(runId, shard, 0.3, List.of(HELD_OUT), 1), null);
    byte[] trainBin = stack.get(first.trainBin());

    TokenizeJob.Result second = TokenizeJob.run(stack.runner, request(runId, shard, 0.3, List.of(HELD_OUT), 2), null);

    assertEquals(first, second, "same digests and counts");
    assertTrue(Arrays.equals(trainBin, stack.get(second.trainBin())));
  }

  @Test
  void aSplitWithoutDocumentsGetsNoFiles() throws Exception {
    String runId = "tok-noval";
    ObjectStore.Stored shard = stack.putIngestShard(tmp, runId, 0, corpus().subList(0, 5));

    TokenizeJob.Result r = TokenizeJob.run(stack.runner, request(runId, shard, 0.0, List.of(), 1), null);

    assertEquals(5, r.trainDocuments());
    assertEquals(0, r.valDocuments());
    assertEquals(0, r.valTokens());
    assertNotNull(r.trainBin());
    assertNull(r.valBin());
    assertNull(r.valMap());
    String val = Split.VAL.prefix();
    assertTrue(stack.store.stat(ShardTestStack.BUCKET, RunObjectKeys.tokenShard(runId, val, 3)).isEmpty());
    assertTrue(stack.store.stat(ShardTestStack.BUCKET, RunObjectKeys.tokenMap(runId, val, 3)).isEmpty());
  }

  @Test
  void anEmptyDocumentShardGivesNoFilesAtAll() throws Exception {
    String runId = "tok-empty";
    ObjectStore.Stored shard = stack.putIngestShard(tmp, runId, 0, List.of());

    TokenizeJob.Result r = TokenizeJob.run(stack.runner, request(runId, shard, 0.1, List.of(), 1), null);

    assertEquals(new TokenizeJob.Result(3, 0, 0, 0, 0, 0, 0, null, null, null, null), r);
  }

  @Test
  void rejectsAnUnsupportedEncodingAndAValFractionOutsideZeroOne() {
    ObjectStore.Stored shard = new ObjectStore.Stored(ShardTestStack.BUCKET, "x.jsonl", null, 0);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TokenizeJob.run(stack.runner,
        new TokenizeJob.Request("r", ShardTestStack.BUCKET, 0, shard, "cl100k_base", 0.1, List.of(), 1), null));
    assertEquals("unsupported encoding 'cl100k_base': tokenize writes llm.c uint16 shards with r50k_base (GPT-2's"
        + " vocabulary) or bpe (the run's own, trained by the tokenizer step)", e.getMessage());
    for (double bad : new double[] {1.0, -0.01, Double.NaN}) {
      e = assertThrows(IllegalArgumentException.class,
          () -> TokenizeJob.run(stack.runner, request("r", shard, bad, List.of(), 1), null));
      assertEquals("valFraction must be in [0, 1), got " + bad, e.getMessage());
    }
  }
}
