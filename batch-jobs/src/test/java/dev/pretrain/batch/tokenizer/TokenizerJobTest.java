package dev.pretrain.batch.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.batch.shards.ShardTestStack;
import dev.pretrain.batch.shards.ShardTestStack.Doc;
import dev.pretrain.batch.tokenize.LlmcTokenShard;
import dev.pretrain.batch.tokenize.Split;
import dev.pretrain.batch.tokenize.SplitRule;
import dev.pretrain.batch.tokenize.TokenizeJob;
import dev.pretrain.batch.tokenize.TokenizeJobConfig;
import dev.pretrain.batch.tokenize.bpe.BpeTokenizer;
import dev.pretrain.batch.tokenize.bpe.BpeVocabulary;
import dev.pretrain.db.storage.ObjectStore;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The tokenizer job against the real job repository, S3 API and database of {@link ShardTestStack}. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenizerJobTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String HELD_OUT = "held-out-src";

  Path tmp;
  ShardTestStack stack;

  @BeforeAll
  void start(@TempDir Path dir) throws Exception {
    tmp = dir;
    stack = new ShardTestStack(tmp, TokenizerJobConfig.class, TokenizeJobConfig.class);
  }

  @AfterAll
  void stop() {
    if (stack != null) {
      stack.close();
    }
  }

  /** 200 documents of varied English-like text, every tenth from a held-out source. */
  private static List<Doc> corpus(int n, int offset) {
    String[] words = {"the", "tokenizer", "learns", "frequent", "pairs", "of", "bytes", "and", "merges", "them",
        "into", "longer", "tokens", "while", "rare", "words", "stay", "split", "Ünïcödé", "中文", "🧪"};
    List<Doc> docs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int d = i + offset;
      StringBuilder b = new StringBuilder();
      for (int w = 0; w < 40 + d % 17; w++) {
        b.append(words[(d * 7 + w * w) % words.length]).append(w % 9 == 8 ? ".\n" : " ");
      }
      docs.add(new Doc("doc-" + d, b.toString(), d % 10 == 3 ? HELD_OUT : "main-src"));
    }
    return docs;
  }

  private TokenizerJob.Request request(String runId, List<ObjectStore.Stored> shards, int vocab, long sampleBytes) {
    return new TokenizerJob.Request(runId, ShardTestStack.BUCKET, shards, vocab, sampleBytes, 1337, 0, 0.05,
        List.of(HELD_OUT), 1);
  }

  @Test
  void trainsOnTheSmallestKeysOfTheTrainSplitAndTokenizeEncodesWithTheResult() throws Exception {
    String runId = "tkz-main";
    List<Doc> docs = corpus(200, 0);
    List<ObjectStore.Stored> shards = List.of(stack.putIngestShard(tmp, runId, 0, docs.subList(0, 120)),
        stack.putIngestShard(tmp, runId, 1, docs.subList(120, 200)));
    List<Long> progress = new ArrayList<>();

    TokenizerJob.Result r = TokenizerJob.run(stack.runner, request(runId, shards, 300, 20_000), progress::add);

    // the sample, recomputed independently: train-split documents by SHA-256(seed:id), until 20,000 bytes
    SplitRule split = new SplitRule(0.05, List.of(HELD_OUT));
    List<Doc> train = new ArrayList<>(docs.stream().filter(d -> split.of(d.id(), d.source()) == Split.TRAIN).toList());
    train.sort((a, b) -> key(a).compareTo(key(b)));
    List<String> expected = new ArrayList<>();
    long bytes = 0;
    for (Doc d : train) {
      if (bytes >= 20_000) {
        break;
      }
      expected.add(d.id());
      bytes += d.text().getBytes(StandardCharsets.UTF_8).length;
    }
    assertEquals(train.size(), r.candidates());
    assertEquals(200 - train.size(), r.heldOut());
    assertEquals(expected.size(), r.sampleDocuments());
    assertEquals(bytes, r.sampleBytes());
    assertTrue(r.sampleDocuments() < r.candidates(), "a real sample, not everything: " + r);
    assertEquals(Long.valueOf(200), progress.get(progress.size() - 1) + r.heldOut());

    List<String> listed = new ArrayList<>();
    for (String line : new String(stack.get(r.sample()), StandardCharsets.UTF_8).split("\n")) {
      listed.add(JSON.readTree(line).get("doc_id").asText());
    }
    assertEquals(expected, listed, "sample.jsonl lists the sample in key order");
    List<Object> members = stack.db.jdbc().queryForList(
        "SELECT doc_id FROM artifact_documents WHERE artifact_uri = ? ORDER BY ordinal", Object.class, r.tokenizer().uri());
    assertEquals(expected, members, "the sampled documents are the tokenizer's members");
    Set<String> inputs = new HashSet<>(stack.db.jdbc().queryForList(
        "SELECT input_uri FROM artifact_inputs WHERE artifact_uri = ?", String.class, r.tokenizer().uri()));
    assertEquals(Set.of(shards.get(0).uri(), shards.get(1).uri()), inputs);

    BpeVocabulary v = StoredTokenizer.read(stack.store, r.tokenizer());
    assertEquals(300, v.size());
    assertEquals(r.vocabSize(), v.size());
    assertEquals(299, v.specialTokenId(TokenizerJob.END_OF_TEXT));
    JsonNode card = JSON.readTree(stack.get(r.card()));
    assertEquals("llama-bpe", card.path("llamaCppPre").asText());
    assertEquals(r.tokenizer().sha256(), card.path("tokenizerSha256").asText());
    assertEquals(expected.size(), card.path("sample").path("documents").asInt());

    // same documents in another shard layout and order: the same tokenizer.json, byte for byte
    List<Doc> shuffled = new ArrayList<>(docs);
    java.util.Collections.reverse(shuffled);
    TokenizerJob.Result again = TokenizerJob.run(stack.runner, request("tkz-again",
        List.of(stack.putIngestShard(tmp, "tkz-again", 0, shuffled)), 300, 20_000), null);
    assertEquals(r.tokenizer().sha256(), again.tokenizer().sha256());

    // the tokenize step encodes with it: EOT + the vocabulary's ids, which decode to each document
    TokenizeJob.Result t = TokenizeJob.run(stack.runner, new TokenizeJob.Request(runId, ShardTestStack.BUCKET, 0,
        shards.get(0), "bpe", r.tokenizer(), 0.05, List.of(HELD_OUT), 1), null);
    BpeTokenizer ours = new BpeTokenizer(v);
    Map<String, Doc> byId = new HashMap<>();
    docs.forEach(d -> byId.put(d.id(), d));
    int[] tokens = LlmcTokenShard.read(new ByteArrayInputStream(stack.get(t.trainBin())), t.trainBin().uri());
    int checked = 0;
    for (String line : new String(stack.get(t.trainMap()), StandardCharsets.UTF_8).split("\n")) {
      JsonNode m = JSON.readTree(line);
      int start = m.get("start").asInt();
      int end = m.get("end").asInt();
      assertEquals(299, tokens[start], "each document starts with the vocabulary's <|endoftext|>");
      int[] text = Arrays.copyOfRange(tokens, start + 1, end);
      String original = byId.get(m.get("doc_id").asText()).text();
      assertArrayEquals(ours.encodeOrdinary(original), text);
      assertEquals(original, ours.decode(text));
      checked++;
    }
    assertEquals(t.trainDocuments(), checked);
    assertTrue(Arrays.stream(tokens).max().orElseThrow() < 300);
  }

  @Test
  void refusesAVocabularyOutsideTheUint16RangeAndASampleOfHeldOutOnly() throws Exception {
    List<ObjectStore.Stored> shards = List.of(stack.putIngestShard(tmp, "tkz-bad", 0, corpus(10, 0)));
    var e = assertThrows(IllegalArgumentException.class,
        () -> TokenizerJob.run(stack.runner, request("tkz-bad", shards, 70_000, 1000), null));
    assertTrue(e.getMessage().contains("vocabSize") && e.getMessage().contains("70000"), e.getMessage());

    List<Doc> heldOnly = corpus(10, 0).stream().map(d -> new Doc(d.id(), d.text(), HELD_OUT)).toList();
    var all = List.of(stack.putIngestShard(tmp, "tkz-held", 0, heldOnly));
    var f = assertThrows(IllegalStateException.class,
        () -> TokenizerJob.run(stack.runner, request("tkz-held", all, 400, 1000), null));
    assertTrue(f.getMessage().contains("held-out"), f.getMessage());
    assertFalse(stack.store.stat(ShardTestStack.BUCKET, "runs/tkz-held/tokenizer/tokenizer.json").isPresent());
  }

  private static String key(Doc d) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
          .digest(("1337:" + d.id()).getBytes(StandardCharsets.UTF_8))) + " " + d.id();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
