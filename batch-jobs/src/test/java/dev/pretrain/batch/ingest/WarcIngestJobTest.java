package dev.pretrain.batch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.batch.shards.DocumentLineParser;
import dev.pretrain.batch.shards.ShardDocument;
import dev.pretrain.batch.shards.ShardTestStack;
import dev.pretrain.db.storage.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A WARC crawl and a JSONL file through the real ingest job (S3Proxy, H2): a web document's url and
 * fetch time reach its shard line (after jurisdiction, before sha256) and its documents row; a
 * document without them has neither field in its line, so shards of other inputs are unchanged.
 */
class WarcIngestJobTest {

  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path tmp;
  static ShardTestStack stack;

  @BeforeAll
  static void up() throws Exception {
    stack = new ShardTestStack(tmp, IngestJobConfig.class);
  }

  @AfterAll
  static void down() throws Exception {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void urlAndFetchTimeReachTheShardAndTheDocumentsTable() throws Exception {
    Path crawl = tmp.resolve("crawl.warc.gz");
    Files.write(crawl, WarcFixtures.warc(true, WarcFixtures.warcinfo(1),
        WarcFixtures.html(2, "https://garden.example/tomatoes", WarcFixtures.BOILERPLATE_PAGE),
        WarcFixtures.response(3, "https://garden.example/logo.png", 200, "OK", "image/png", new byte[] {1, 2, 3}))
        .bytes());
    Path jsonl = tmp.resolve("plain.jsonl");
    Files.writeString(jsonl, "{\"id\":\"plain-1\",\"text\":\"no url here\"}\n"
        + "{\"id\":\"given-1\",\"text\":\"from a crawl export\",\"url\":\"https://e.example/a\",\"fetched_at\":\"2023-07-01T00:00:00Z\"}\n");
    List<IngestJob.Input> inputs = List.of(new IngestJob.Input(crawl.toUri().toString(), Files.size(crawl)),
        new IngestJob.Input(jsonl.toUri().toString(), Files.size(jsonl)));

    IngestJob.Result r = IngestJob.run(stack.runner,
        new IngestJob.Request("warc-1", 0, 1, ShardTestStack.BUCKET, inputs, 1 << 20, null), null);

    assertEquals(4, r.recordsIn());
    assertEquals(3, r.kept());
    assertEquals(1, r.rejected(), "the PNG response is rejected");
    List<String> lines = new ArrayList<>();
    for (ObjectStore.Stored shard : r.documentShards()) {
      lines.addAll(List.of(new String(stack.get(shard), StandardCharsets.UTF_8).split("\n")));
    }
    assertEquals(3, lines.size());
    String pageId = WarcFixtures.id(2).toString();
    JsonNode page = JSON.readTree(lines.get(0));
    assertEquals(List.of("id", "text", "source", "source_version", "path", "license", "language", "jurisdiction", "url",
        "fetched_at", "sha256"), fieldNames(page));
    assertEquals(pageId, page.get("id").asText());
    assertEquals(WarcFixtures.BOILERPLATE_PAGE_TEXT, page.get("text").asText());
    assertEquals("https://garden.example/tomatoes", page.get("url").asText());
    assertEquals("2024-03-05T10:15:30Z", page.get("fetched_at").asText());
    assertEquals(List.of("id", "text", "source", "source_version", "path", "license", "language", "jurisdiction",
        "sha256"), fieldNames(JSON.readTree(lines.get(1))), "no url: the line is as before");
    assertEquals("https://e.example/a", JSON.readTree(lines.get(2)).get("url").asText());

    // later steps read such lines like any other
    ShardDocument parsed = new DocumentLineParser(true).parse(0, 1, lines.get(0), "shard line 1");
    assertEquals(pageId, parsed.id());

    Map<String, Object> row = stack.db.jdbc().queryForMap("SELECT url, fetched_at FROM documents WHERE doc_id = ?",
        pageId);
    assertEquals("https://garden.example/tomatoes", row.get("url"));
    assertEquals("2024-03-05T10:15:30Z", row.get("fetched_at"));
    Map<String, Object> plain = stack.db.jdbc().queryForMap("SELECT url, fetched_at FROM documents WHERE doc_id = ?",
        "plain-1");
    assertNull(plain.get("url"));
    assertNull(plain.get("fetched_at"));
    assertEquals("2023-07-01T00:00:00Z", stack.db.jdbc().queryForObject(
        "SELECT fetched_at FROM documents WHERE doc_id = ?", String.class, "given-1"));
  }

  private static List<String> fieldNames(JsonNode n) {
    List<String> names = new ArrayList<>();
    n.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
