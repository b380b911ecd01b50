package dev.pretrain.batch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.batch.BatchJobRunner;
import dev.pretrain.batch.curate.CurationSettings;
import dev.pretrain.batch.testing.S3ProxyFixture;
import dev.pretrain.db.Database;
import dev.pretrain.db.curation.CurationRepository;
import dev.pretrain.db.documents.DocumentRepository;
import dev.pretrain.db.storage.ObjectStore;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ingest job with curation, against the real parts (S3 API over HTTP, H2 migrated by Flyway):
 * a removed document lands in the rejects shard with its rule, measured value and threshold; PII is
 * replaced in the shard and the replacement recorded; a declared language that the text contradicts is
 * flagged; and every record of every source is counted once.
 */
class IngestCurationJobTest {

  static final String BUCKET = "curation-test";
  static final ObjectMapper JSON = new ObjectMapper();

  /** Plain English prose that the quality rules keep: sentences, stop words, punctuation at line ends. */
  static final String PROSE = """
      The river rose slowly during the night, and by morning the lower fields were under water. Farmers who had \
      lived in the valley for many years said that they had never seen the water climb so fast. They moved the \
      animals to the high pasture and carried what they could into the upper rooms of their houses.

      In the afternoon the rain stopped and the sun came out over the hills. People walked along the road to \
      look at the flood, and some of them helped their neighbours to carry furniture and sacks of grain. The \
      school was closed for the week, so the children spent their days watching the boats that brought bread \
      and milk to the farms that could not be reached by road.

      When the water finally went down, it left a layer of mud over everything. It took the whole summer to \
      clean the houses and to repair the fences. The council promised to build a higher bank along the river, \
      and the work began before the first frost of the autumn. Questions about the work can be sent to \
      %s or to the office at %s, which answers them within a week.
      """;

  static final String GERMAN = """
      Der Fluss stieg in der Nacht langsam an, und am Morgen standen die unteren Felder unter Wasser. Die Bauern, \
      die seit vielen Jahren im Tal lebten, sagten, dass sie das Wasser noch nie so schnell hatten steigen sehen. \
      Sie brachten die Tiere auf die hohe Weide und trugen, was sie konnten, in die oberen Zimmer ihrer Häuser. \
      Am Nachmittag hörte der Regen auf, und die Sonne kam über den Hügeln hervor. Die Leute gingen die Straße \
      entlang, um sich das Hochwasser anzusehen, und einige halfen ihren Nachbarn, Möbel und Getreidesäcke zu \
      tragen. Die Schule war die ganze Woche geschlossen.
      """;

  @TempDir
  static Path tmp;
  static S3ProxyFixture s3;
  static ObjectStore store;
  static Database db;
  static BatchJobRunner runner;

  @BeforeAll
  static void up() throws Exception {
    s3 = S3ProxyFixture.start(tmp.resolve("s3"));
    store = s3.objectStore();
    store.ensureBucket(BUCKET);
    db = Database.open("jdbc:h2:mem:" + UUID.randomUUID() + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DB_CLOSE_DELAY=-1",
        "sa", "");
    runner = new BatchJobRunner(db, store, Files.createDirectories(tmp.resolve("work")), IngestJobConfig.class);
  }

  @AfterAll
  static void down() {
    if (runner != null) {
      runner.close();
    }
    if (db != null) {
      db.close();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  private static String line(String id, String text, String source, String language) throws Exception {
    return JSON.writeValueAsString(Map.of("id", id, "text", text, "source", source, "language", language)) + "\n";
  }

  @Test
  void removesWithAReasonRedactsAndCountsEveryRecordPerSource() throws Exception {
    String prose = PROSE.formatted("jane.doe@river-council.org", "81.2.69.160");
    Path input = tmp.resolve("mixed.jsonl");
    Files.writeString(input, line("prose-1", prose, "valley", "en")
        + line("short-1", "Buy now! Best prices!", "valley", "en")
        + line("german-1", GERMAN, "valley", "en")
        + "{\"id\": \"broken\", \"text\": \n"
        + line("prose-2", PROSE.formatted("nobody at all", "the town hall"), "hills", "en"), StandardCharsets.UTF_8);
    IngestJob.Request request = new IngestJob.Request("cur-1", 0, 1, BUCKET,
        List.of(new IngestJob.Input(input.toUri().toString(), Files.size(input))), 1 << 20, "US",
        IngestJob.DEFAULT_MAX_RECORD_BYTES, false, CurationSettings.all());

    IngestJob.Result r = IngestJob.run(runner, request, null);

    assertEquals(5, r.recordsIn());
    assertEquals(r.recordsIn(), r.kept() + r.rejected() + r.quarantined() + r.filtered(), r.toString());
    assertEquals(1, r.quarantined());
    assertEquals(1, r.filtered(), "the short advert is removed by a quality rule");
    assertEquals(3, r.kept());
    assertEquals(1, r.redacted(), "one kept document had PII");

    // the kept shard holds the redacted text
    Map<String, JsonNode> kept = readJsonl(r.documentShards().get(0)).stream()
        .collect(Collectors.toMap(n -> n.get("id").asText(), n -> n));
    assertEquals(Set.of("prose-1", "german-1", "prose-2"), kept.keySet());
    String redacted = kept.get("prose-1").get("text").asText();
    assertFalse(redacted.contains("jane.doe@river-council.org"), redacted);
    assertFalse(redacted.contains("81.2.69.160"), redacted);
    // ... and says so itself, with the language detected
    JsonNode notes = kept.get("prose-1").get("curation");
    assertEquals(1, notes.get("pii.email").get("measured").asInt(), notes.toString());
    assertEquals("redacted", notes.get("pii.ipv4").get("action").asText(), notes.toString());
    assertEquals("en", notes.get("language.detected").get("detail").asText(), notes.toString());
    assertEquals("mismatch", kept.get("german-1").get("curation").get("language.mismatch").get("action").asText());

    // the rejects shard holds the removed document with its rule, measured value and threshold
    assertNotNull(r.rejects());
    List<JsonNode> rejects = readJsonl(r.rejects());
    assertEquals(1, rejects.size());
    JsonNode reject = rejects.get(0);
    assertEquals("short-1", reject.get("id").asText());
    // datatrove's order: the repetition rules see it first (its one 2-gram is a third of its characters)
    assertTrue(reject.get("rule").asText().startsWith("gopher_"), reject.toString());
    assertTrue(reject.get("measured").isNumber() && !reject.get("threshold").asText().isBlank(), reject.toString());
    assertEquals("Buy now! Best prices!", reject.get("text").asText());
    assertEquals("rejected", reject.get("curation").get(reject.get("rule").asText()).get("action").asText());

    // decisions: why removed, what changed, what was flagged
    DocumentRepository documents = new DocumentRepository(db.jdbc());
    Map<String, DocumentRepository.Decision> curate = documents.decisions("cur-1", "curate").stream()
        .collect(Collectors.toMap(DocumentRepository.Decision::docId, d -> d));
    assertEquals("filtered", curate.get("short-1").decision());
    assertTrue(curate.get("short-1").reason().startsWith(reject.get("rule").asText()), curate.toString());
    assertEquals("changed", curate.get("prose-1").decision());
    assertTrue(curate.get("prose-1").reason().contains("pii.email") && curate.get("prose-1").reason().contains("pii.ipv4"),
        curate.get("prose-1").reason());
    CurationRepository curation = new CurationRepository(db.jdbc());
    List<CurationRepository.RuleDecision> german = curation.decisionsOn("cur-1", "german-1");
    assertTrue(german.stream().anyMatch(d -> d.rule().equals("language.detected") && d.detail().startsWith("de")),
        german.toString());
    assertTrue(german.stream().anyMatch(d -> d.rule().equals("language.mismatch")), german.toString());
    assertTrue(german.stream().anyMatch(d -> d.rule().equals("quality.skipped")), german.toString());

    // every record counted once per source; the broken line's source is unreadable and its file holds two
    // sources, so it counts under the file's name
    Map<String, Long> tally = curation.tally("cur-1").get("ingest").stream()
        .collect(Collectors.toMap(t -> t.source() + "/" + t.outcome() + "/" + t.reason(), CurationRepository.Tally::n));
    assertEquals(2L, tally.get("valley/kept/"));
    assertEquals(1L, tally.get("hills/kept/"));
    assertEquals(1L, tally.get("valley/filtered/" + reject.get("rule").asText()));
    assertEquals(1L, tally.entrySet().stream().filter(e -> e.getKey().startsWith("mixed.jsonl/quarantined/invalid JSON"))
        .mapToLong(Map.Entry::getValue).sum(), tally.toString());
    assertEquals(1L, tally.get("valley/flagged/language.mismatch"));
  }

  private static List<JsonNode> readJsonl(ObjectStore.Stored shard) throws Exception {
    try (InputStream in = store.open(shard.bucket(), shard.key())) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(l -> {
        try {
          return JSON.readTree(l);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }).toList();
    }
  }
}
