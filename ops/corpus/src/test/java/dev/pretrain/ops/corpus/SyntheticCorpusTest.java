package dev.pretrain.ops.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.batch.curate.CurationSettings;
import dev.pretrain.batch.curate.DocumentCurator;
import dev.pretrain.batch.dedup.near.Shingler;
import dev.pretrain.db.Database;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.documents.SourceRepository;
import dev.pretrain.db.storage.ObjectStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.apache.commons.io.file.PathUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The synthetic corpus: same seed same bytes, the counts it promises, a ground truth that points at
 * real documents, texts that curation keeps, planted copies that are near in shingles and originals that
 * are not; published to a real S3 API (S3Proxy) and the real schema (H2) as a fetched corpus is.
 */
class SyntheticCorpusTest {

  static final ObjectMapper JSON = new ObjectMapper();
  /** 20,000 documents: about 2 s; the fractions' tolerances below are about 4 standard deviations. */
  static final int N = 20_000;

  static Path shared;
  static SyntheticCorpus.Result big;
  static Map<String, JsonNode> docs;

  @TempDir Path tmp;
  final List<AutoCloseable> closeMe = new ArrayList<>();

  @BeforeAll
  static void generate() throws IOException {
    shared = Files.createTempDirectory("synth-corpus-test");
    big = new SyntheticCorpus(SyntheticCorpus.Params.of(N, 7, 0.10, 0.05, 3)).generate(shared.resolve("c"), null);
    docs = readDocs(big.root());
  }

  @AfterAll
  static void removeShared() throws IOException {
    if (shared != null) {
      PathUtils.deleteDirectory(shared);
    }
  }

  @AfterEach
  void close() throws Exception {
    for (int i = closeMe.size() - 1; i >= 0; i--) {
      closeMe.get(i).close();
    }
  }

  @Test
  void sameSeedSameBytesOtherSeedOtherTexts() throws IOException {
    SyntheticCorpus.Params p = SyntheticCorpus.Params.of(3_000, 42, 0.2, 0.05, 4);
    SyntheticCorpus.Result a = new SyntheticCorpus(p).generate(tmp.resolve("a"), null);
    SyntheticCorpus.Result b = new SyntheticCorpus(p).generate(tmp.resolve("b"), null);
    assertEquals(digests(a.root()), digests(b.root()), "every part and the ground truth, byte for byte");
    assertEquals(a.sources().stream().map(CorpusManifest.SourceEntry::checksum).toList(),
        b.sources().stream().map(CorpusManifest.SourceEntry::checksum).toList());

    // generating again into the same directory replaces the corpus with the same bytes
    SyntheticCorpus.Result again = new SyntheticCorpus(p).generate(tmp.resolve("a"), null);
    assertEquals(digests(a.root()), digests(again.root()));

    SyntheticCorpus.Result other = new SyntheticCorpus(SyntheticCorpus.Params.of(3_000, 43, 0.2, 0.05, 4))
        .generate(tmp.resolve("o"), null);
    Map<String, JsonNode> x = readDocs(a.root());
    Map<String, JsonNode> y = readDocs(other.root());
    assertTrue(x.keySet().stream().noneMatch(y::containsKey), "another seed, other ids (the id tag)");
    assertNotEquals(firstText(x), firstText(y));
  }

  @Test
  void aSmallerCorpusIsAPrefixOfALargerOne() throws IOException {
    SyntheticCorpus.Result small = new SyntheticCorpus(SyntheticCorpus.Params.of(2_000, 7, 0.10, 0.05, 3))
        .generate(tmp.resolve("small"), null);
    Map<String, JsonNode> smallDocs = readDocs(small.root());
    assertEquals(2_000, smallDocs.size());
    for (Map.Entry<String, JsonNode> e : smallDocs.entrySet()) {
      assertEquals(docs.get(e.getKey()), e.getValue(), e.getKey());
    }
    List<String> truth = Files.readAllLines(small.groundTruth());
    assertEquals(truth, Files.readAllLines(big.groundTruth()).subList(0, truth.size()));
  }

  @Test
  void countsFractionsAndLayout() throws IOException {
    assertEquals(N, docs.size(), "documents written = N, ids unique");
    assertEquals(N, big.docs());
    assertEquals(N, big.originals() + big.exact() + big.nearTotal());
    assertEquals(0.05, big.exact() / (double) N, 0.006);
    assertEquals(0.10, big.nearTotal() / (double) N, 0.009);
    for (String edit : SyntheticEdits.NEAR_EDITS) {
      // a fifth each; truncation of a text too short to cut becomes a boilerplate edit
      assertEquals(0.02, big.near().get(edit) / (double) N, 0.005, edit + " " + big.near());
    }

    // layout: <root>/<source>/part-NNN.jsonl and the manifest, as corpus fetch writes them
    CorpusManifest m = CorpusManifest.read(big.root().resolve("manifest.json")).orElseThrow();
    assertEquals(List.of("synth-00", "synth-01", "synth-02"), m.sources().stream().map(CorpusManifest.SourceEntry::id)
        .toList());
    long manifestDocs = 0;
    for (CorpusManifest.SourceEntry e : m.sources()) {
      manifestDocs += e.docs();
      assertEquals(Map.of("CC0-1.0", e.docs()), e.licenses());
      for (JsonlParts.Part p : e.parts()) {
        Path f = big.root().resolve(e.id()).resolve(p.file());
        assertEquals(p.sha256(), Hashes.sha256(f));
        assertEquals(p.bytes(), Files.size(f));
      }
    }
    assertEquals(N, manifestDocs);
    assertEquals(List.of("US", "DE", "FR"), m.sources().stream().map(CorpusManifest.SourceEntry::jurisdiction).toList());
    JsonNode summary = JSON.readTree(big.root().resolve("synth.json").toFile());
    assertEquals(big.exact(), summary.get("exact").asLong());
    assertEquals(big.nearTotal(), summary.get("nearTotal").asLong());

    // every record carries what ingest reads: id, text, source, version, path, license, language, jurisdiction
    for (JsonNode d : docs.values()) {
      for (String field : List.of("id", "text", "source", "source_version", "path", "license", "language",
          "jurisdiction")) {
        assertTrue(d.hasNonNull(field) && !d.get(field).asText().isEmpty(), field + " in " + d);
      }
      assertTrue(d.get("id").asText().startsWith(d.get("source").asText() + ":"));
      int len = d.get("text").asText().length();
      assertTrue(len >= 250 && len <= 1_700, "short documents: " + len);
    }
  }

  @Test
  void groundTruthPointsAtEarlierOriginalsAndSaysWhatChanged() throws IOException {
    List<JsonNode> truth = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(big.groundTruth())) {
      for (String line; (line = r.readLine()) != null; ) {
        truth.add(JSON.readTree(line));
      }
    }
    assertEquals(big.exact() + big.nearTotal(), truth.size());
    Map<String, JsonNode> planted = new HashMap<>();
    Map<String, Integer> edits = new TreeMap<>();
    for (JsonNode t : truth) {
      String doc = t.get("doc").asText();
      String of = t.get("of").asText();
      assertTrue(docs.containsKey(doc), doc);
      assertTrue(docs.containsKey(of), of);
      assertTrue(index(of) < index(doc), "copies an earlier document: " + t);
      planted.put(doc, t);
      edits.merge(t.get("edit").asText(), 1, Integer::sum);
      String original = docs.get(of).get("text").asText();
      String copy = docs.get(doc).get("text").asText();
      assertEquals(SyntheticText.countWords(original), t.get("words").asInt());
      switch (t.get("edit").asText()) {
        case "exact" -> assertEquals(original, copy);
        case "truncate" -> {
          assertTrue(original.startsWith(copy));
          assertEquals(SyntheticText.countWords(original) - SyntheticText.countWords(copy), t.get("size").asInt());
        }
        case "boilerplate" -> {
          assertTrue(copy.startsWith(original + "\n") || copy.endsWith("\n" + original), t.toString());
          assertEquals(SyntheticText.countWords(copy) - SyntheticText.countWords(original), t.get("size").asInt());
        }
        case "shuffle" -> {
          assertNotEquals(original, copy);
          assertEquals(sorted(original), sorted(copy), "same words, other order");
        }
        case "substitute" -> {
          int changed = 0;
          String[] a = original.split("[ \n]");
          String[] b = copy.split("[ \n]");
          assertEquals(a.length, b.length);
          for (int i = 0; i < a.length; i++) {
            changed += a[i].equals(b[i]) ? 0 : 1;
          }
          assertEquals(t.get("size").asInt(), changed, t.toString());
        }
        case "case" -> {
          assertNotEquals(original, copy);
          assertTrue(t.get("size").asInt() >= 1);
        }
        default -> throw new AssertionError("unknown edit " + t);
      }
    }
    // originals are never in the ground truth as copies
    for (JsonNode t : truth) {
      assertFalse(planted.containsKey(t.get("of").asText()), "copies of originals only: " + t);
    }
    assertEquals(List.of("boilerplate", "case", "exact", "shuffle", "substitute", "truncate"),
        new ArrayList<>(edits.keySet()));
  }

  @Test
  void curationKeepsEverySampledDocumentAsEnglish() {
    // the chain ingest runs with curation on (defaults): language ID, Gopher, C4, FineWeb, PII
    DocumentCurator curator = new DocumentCurator(CurationSettings.all(), null);
    Map<String, String> kinds = kindsById();
    Map<String, Integer> rejected = new TreeMap<>();
    Map<String, Integer> sampled = new TreeMap<>();
    Map<String, Integer> changed = new TreeMap<>();
    List<String> ids = new ArrayList<>(docs.keySet());
    for (int i = 0; i < ids.size(); i += 4) { // every 4th: 5,000 documents, all kinds
      JsonNode d = docs.get(ids.get(i));
      String kind = kinds.getOrDefault(ids.get(i), "original");
      sampled.merge(kind, 1, Integer::sum);
      DocumentCurator.Result r = curator.curate(d.get("source").asText(), "en", d.get("text").asText());
      assertEquals("en", r.notes().get(0).detail(), "language detected: " + r.notes().get(0));
      if (r.rejected()) {
        rejected.merge(kind + " " + r.rejection().rule(), 1, Integer::sum);
      } else if (!r.text().equals(d.get("text").asText())) {
        changed.merge(kind + " " + r.notes(), 1, Integer::sum);
      }
      assertEquals(0, r.piiReplaced());
    }
    assertEquals(Map.of(), rejected, "sampled " + sampled);
    assertEquals(Map.of(), changed, "curation keeps the texts as written, so the ground truth describes them");
    assertEquals(7, sampled.size(), "originals, exact copies and the five edits: " + sampled);
  }

  @Test
  void plantedCopiesAreNearInShinglesAndOriginalsAreNot() {
    Shingler shingler = new Shingler();
    Map<String, String> kinds = kindsById();
    Map<String, List<Double>> byEdit = new TreeMap<>();
    try (Stream<String> lines = Files.lines(big.groundTruth())) {
      lines.map(SyntheticCorpusTest::json).forEach(t -> byEdit.computeIfAbsent(t.get("edit").asText(),
          k -> new ArrayList<>()).add(jaccard(shingler, docs.get(t.get("of").asText()).get("text").asText(),
          docs.get(t.get("doc").asText()).get("text").asText())));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    // case, spacing and punctuation do not change word shingles; an added line or a cut keeps most
    assertTrue(byEdit.get("case").stream().allMatch(j -> j == 1.0), "case " + summary(byEdit.get("case")));
    assertTrue(byEdit.get("exact").stream().allMatch(j -> j == 1.0));
    assertTrue(mean(byEdit.get("boilerplate")) > 0.75, "boilerplate " + summary(byEdit.get("boilerplate")));
    assertTrue(mean(byEdit.get("shuffle")) > 0.6, "shuffle " + summary(byEdit.get("shuffle")));
    assertTrue(mean(byEdit.get("truncate")) > 0.4, "truncate " + summary(byEdit.get("truncate")));

    List<String> originals = docs.keySet().stream().filter(id -> !kinds.containsKey(id)).toList();
    SplittableRandom r = new SplittableRandom(3);
    double max = 0;
    for (int i = 0; i < 3_000; i++) {
      String a = originals.get(r.nextInt(originals.size()));
      String b = originals.get(r.nextInt(originals.size()));
      if (!a.equals(b)) {
        max = Math.max(max, jaccard(shingler, docs.get(a).get("text").asText(), docs.get(b).get("text").asText()));
      }
    }
    assertTrue(max < 0.1, "unrelated originals share few 5-gram shingles: max Jaccard " + max);
  }

  @Test
  void publishesLikeAFetchedCorpus() throws Exception {
    ObjectStore store = s3(tmp.resolve("s3"));
    Database db = Database.open("jdbc:h2:mem:synth-" + UUID.randomUUID()
        + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1", "sa", "");
    closeMe.add(db);
    Path data = tmp.resolve("data");
    SyntheticCorpus c = new SyntheticCorpus(SyntheticCorpus.Params.of(500, 1, 0.1, 0.05, 2));
    SyntheticCorpus.Published p = c.publish(data, "synth-test", store, db, "corpus", null);
    assertEquals("s3://corpus/synth-test/", p.inputUri());
    assertEquals(p.result().parts(), p.uploaded());
    assertEquals(data.toAbsolutePath().resolve("corpus/synth-test"), p.result().root());
    String key = "synth-test/synth-01/part-000.jsonl";
    String sha = Hashes.sha256(p.result().root().resolve("synth-01/part-000.jsonl"));
    assertEquals(sha, store.stat("corpus", key).orElseThrow().sha256());
    assertTrue(store.stat("corpus", "synth-test/" + SyntheticCorpus.GROUND_TRUTH).isEmpty(),
        "the ground truth stays out of the run's input prefix");
    ArtifactRepository.Artifact a = new ArtifactRepository(db.jdbc()).find("s3://corpus/" + key).orElseThrow();
    assertEquals("corpus-file", a.kind());
    assertEquals(sha, a.sha256());
    SourceRepository sources = new SourceRepository(db.jdbc());
    SourceRepository.Source row = sources.all().get(1);
    assertEquals("synth-01", row.sourceId());
    assertEquals("synthetic", row.registry());
    assertEquals("CC0-1.0", row.license());
    assertEquals("DE", row.jurisdiction());
    assertEquals("prose", sources.contentKind("synth-01").orElseThrow());

    // again: same bytes, nothing to upload
    SyntheticCorpus.Published again = c.publish(data, "synth-test", store, db, "corpus", null);
    assertEquals(0, again.uploaded());
  }

  @Test
  void refusesBadParametersAndForeignDirectories() throws IOException {
    assertThrows(IllegalArgumentException.class, () -> SyntheticCorpus.Params.of(10, 1, 0.6, 0.4, 2));
    assertThrows(IllegalArgumentException.class, () -> SyntheticCorpus.Params.of(0, 1, 0.1, 0.1, 2));
    assertThrows(IllegalArgumentException.class, () -> SyntheticCorpus.Params.of(10, 1, 0.1, 0.1, 0));
    Path foreign = tmp.resolve("foreign");
    Files.createDirectories(foreign);
    Files.writeString(foreign.resolve("notes.txt"), "mine");
    CorpusException e = assertThrows(CorpusException.class,
        () -> new SyntheticCorpus(SyntheticCorpus.Params.of(10, 1, 0.1, 0.1, 2)).generate(foreign, null));
    assertTrue(e.getMessage().contains("not empty"), e.getMessage());
    assertEquals("mine", Files.readString(foreign.resolve("notes.txt")));
  }

  // ---------------------------------------------------------------- helpers

  static Map<String, JsonNode> readDocs(Path root) throws IOException {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    List<Path> parts;
    try (Stream<Path> s = Files.walk(root)) {
      parts = s.filter(p -> p.toString().endsWith(".jsonl") && p.getFileName().toString().startsWith("part-"))
          .sorted().toList();
    }
    for (Path p : parts) {
      try (BufferedReader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
        for (String line; (line = r.readLine()) != null; ) {
          JsonNode d = JSON.readTree(line);
          assertTrue(out.put(d.get("id").asText(), d) == null, "duplicate id " + d.get("id"));
        }
      }
    }
    // in document order
    Map<String, JsonNode> sorted = new TreeMap<>((a, b) -> Long.compare(index(a), index(b)));
    sorted.putAll(out);
    return new LinkedHashMap<>(sorted);
  }

  private Map<String, String> kindsById() {
    Map<String, String> kinds = new HashMap<>();
    try (Stream<String> lines = Files.lines(big.groundTruth())) {
      lines.map(SyntheticCorpusTest::json).forEach(t -> kinds.put(t.get("doc").asText(), t.get("edit").asText()));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return kinds;
  }

  static long index(String id) {
    return Long.parseLong(id.substring(id.lastIndexOf('-') + 1));
  }

  private static JsonNode json(String line) {
    try {
      return JSON.readTree(line);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static String firstText(Map<String, JsonNode> docs) {
    return docs.values().iterator().next().get("text").asText();
  }

  private static List<String> sorted(String text) {
    String[] w = text.split("[ \n]+");
    Arrays.sort(w);
    return List.of(w);
  }

  private static Map<String, String> digests(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        String name = root.relativize(p).toString();
        if (!name.equals("manifest.json") && !name.equals(SyntheticCorpus.SUMMARY)) { // these carry times
          out.put(name, Hashes.sha256(p));
        }
      }
    }
    return out;
  }

  private static double jaccard(Shingler shingler, String a, String b) {
    return dev.pretrain.batch.dedup.near.MinHasher.jaccard(shingler.shingleSet(a), shingler.shingleSet(b));
  }

  private static double mean(List<Double> v) {
    return v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }

  private static String summary(List<Double> v) {
    return String.format("n=%d mean=%.3f min=%.3f", v.size(), mean(v),
        v.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN));
  }

  private ObjectStore s3(Path dir) throws Exception {
    Files.createDirectories(dir);
    S3Proxy proxy = S3Proxy.builder()
        .blobStore(new FilesystemNio2BlobStore(dir.toString()))
        .endpoint(URI.create("http://127.0.0.1:0"))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "test-access", "test-secret-key")
        .build();
    proxy.start();
    closeMe.add(proxy::stop);
    for (int i = 0; i < 200 && !"STARTED".equals(proxy.getState()); i++) {
      Thread.sleep(25);
    }
    return new ObjectStore("http://127.0.0.1:" + proxy.getPort(), "test-access", "test-secret-key", "us-east-1");
  }
}
