package dev.pretrain.batch.shards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.api.IntArrayList;
import dev.pretrain.batch.dedup.DedupJob;
import dev.pretrain.batch.dedup.DedupJobConfig;
import dev.pretrain.batch.ingest.IngestJob;
import dev.pretrain.batch.ingest.IngestJobConfig;
import dev.pretrain.batch.tokenize.DocumentTokenizer;
import dev.pretrain.batch.tokenize.LlmcTokenShard;
import dev.pretrain.batch.tokenize.TokenizeJob;
import dev.pretrain.batch.tokenize.TokenizeJobConfig;
import dev.pretrain.db.storage.ObjectStore;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dedup and tokenize on what the real ingest job writes, not on a copy of its format. */
class IngestDedupTokenizeChainTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void ingestThenDedupThenTokenizeKeepsEveryKeptDocumentTraceable(@TempDir Path tmp) throws Exception {
    try (ShardTestStack stack = new ShardTestStack(tmp, IngestJobConfig.class, DedupJobConfig.class,
        TokenizeJobConfig.class)) {
      StringBuilder jsonl = new StringBuilder();
      for (int i = 0; i < 300; i++) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("id", "rec-" + i);
        r.put("text", "Record " + (i % 200) + ": ünïcode ✓ and <|endoftext|> as plain text.");
        r.put("source", i % 30 == 0 ? "held-out" : "corpus");
        jsonl.append(JSON.writeValueAsString(r)).append('\n');
      }
      Path input = Files.writeString(tmp.resolve("input.jsonl"), jsonl.toString(), StandardCharsets.UTF_8);

      IngestJob.Result ingested = IngestJob.run(stack.runner, new IngestJob.Request("chain", 0, 1, ShardTestStack.BUCKET,
          List.of(new IngestJob.Input(input.toUri().toString(), Files.size(input))), 4_000, "EU"), (records, bytes) -> {});
      assertEquals(300, ingested.kept());
      assertTrue(ingested.documentShards().size() > 1, "several shards: " + ingested.documentShards().size());

      DedupJob.Result deduped = DedupJob.run(stack.runner,
          new DedupJob.Request("chain", ShardTestStack.BUCKET, ingested.documentShards(), 1), null);
      assertEquals(300, deduped.documentsIn());
      assertEquals(200, deduped.kept());
      assertEquals(100, deduped.duplicates());
      assertEquals(ingested.documentShards().size(), deduped.outputShards().size());

      Map<String, String> keptText = new HashMap<>();
      for (ObjectStore.Stored shard : deduped.outputShards()) {
        for (String line : new String(stack.get(shard), StandardCharsets.UTF_8).split("\n")) {
          if (!line.isEmpty()) {
            JsonNode n = JSON.readTree(line);
            keptText.put(n.get("id").asText(), n.get("text").asText());
          }
        }
      }
      assertEquals(200, keptText.size());

      long tokenized = 0;
      List<String> traced = new ArrayList<>();
      for (int i = 0; i < deduped.outputShards().size(); i++) {
        TokenizeJob.Result t = TokenizeJob.run(stack.runner, new TokenizeJob.Request("chain", ShardTestStack.BUCKET, i,
            deduped.outputShards().get(i), "r50k_base", 0.05, List.of("held-out"), 1), null);
        tokenized += t.documents();
        for (ObjectStore.Stored[] pair : new ObjectStore.Stored[][] {{t.trainBin(), t.trainMap()}, {t.valBin(), t.valMap()}}) {
          if (pair[0] == null) {
            continue;
          }
          int[] tokens = LlmcTokenShard.read(new ByteArrayInputStream(stack.get(pair[0])), pair[0].uri());
          for (String line : new String(stack.get(pair[1]), StandardCharsets.UTF_8).split("\n")) {
            JsonNode m = JSON.readTree(line);
            IntArrayList text = new IntArrayList();
            for (int k = m.get("start").asInt() + 1; k < m.get("end").asInt(); k++) {
              text.add(tokens[k]);
            }
            String id = m.get("doc_id").asText();
            assertEquals(keptText.get(id), DocumentTokenizer.r50k().decode(text), id);
            traced.add(id);
          }
        }
      }
      assertEquals(200, tokenized);
      assertEquals(keptText.keySet(), new HashSet<>(traced));
    }
  }
}
