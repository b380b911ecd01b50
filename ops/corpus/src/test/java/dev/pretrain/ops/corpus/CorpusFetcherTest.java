package dev.pretrain.ops.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.db.Database;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.documents.SourceRepository;
import dev.pretrain.db.storage.ObjectStore;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.commons.io.file.PathUtils;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real fetch of a small Debian package (fortunes-min, 56 KB) through apt, into a real S3 API
 * (S3Proxy) and the real schema (H2 in PostgreSQL mode).
 */
class CorpusFetcherTest {

  static final String SPEC = """
      name: test
      sources:
        - id: fortunes-min
          registry: debian
          package: fortunes-min
          version: "1:1.99.1-7.3"
          ifVersionMissing: newest
          include: ["usr/share/games/fortunes/*"]
          format: text
          language: en
          jurisdiction: US
          license: BSD-3-Clause
      """;

  @TempDir Path tmp;
  final List<String> log = new ArrayList<>();
  final List<AutoCloseable> closeMe = new ArrayList<>();

  @BeforeAll
  static void needsApt() {
    // a missing tool fails the test with its name; it never skips it
    assertTrue(Files.isExecutable(Path.of("/usr/bin/apt-get")) && Files.isExecutable(Path.of("/usr/bin/dpkg-deb")),
        "missing: Debian's apt-get and dpkg-deb (the corpus fetcher downloads Debian packages with them)");
  }

  @AfterEach
  void close() throws Exception {
    for (int i = closeMe.size() - 1; i >= 0; i--) {
      closeMe.get(i).close();
    }
  }

  @Test
  void realFetchVerifiesUploadsRecordsAndCaches() throws Exception {
    CorpusSpec spec = spec(SPEC);
    ObjectStore store = s3(tmp.resolve("s3"));
    Database db = Database.open("jdbc:h2:mem:corpus-" + UUID.randomUUID()
        + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1", "sa", "");
    closeMe.add(db);
    Path data = tmp.resolve("data");
    CorpusFetcher fetcher = new CorpusFetcher(data, store, db, log::add);

    FetchResult r = fetcher.fetch(spec, "corpus", "corpus/test");
    assertEquals("fetched", r.status());
    assertEquals("s3://corpus/corpus/test/", r.inputUri());
    FetchResult.SourceResult s = r.sources().get(0);
    String version = s.version();
    assertEquals(aptIndexSha256("fortunes-min", version), s.checksum(), "the registry's checksum is recorded");
    assertEquals("sha256", s.checksumAlgo());
    assertEquals(3, s.filesUsed(), "fortunes, literature, riddles");
    assertEquals(Map.of("binary", 3L, "symlink", 3L), s.skipped(), ".dat indexes and .u8 links, counted");
    assertEquals(3, s.docs());
    assertEquals("BSD-3-Clause", s.license(), "free-form copyright file: the spec's fallback");
    assertEquals(List.of("s3://corpus/corpus/test/fortunes-min/part-000.jsonl"), s.uris());

    // JSONL documents with every field, stable ids
    Path part = data.resolve("corpus/test/fortunes-min/part-000.jsonl");
    List<String> lines = Files.readAllLines(part, StandardCharsets.UTF_8);
    assertEquals(3, lines.size());
    JsonNode d = new ObjectMapper().readTree(lines.get(0));
    assertEquals("fortunes-min:usr/share/games/fortunes/fortunes", d.get("id").asText());
    assertEquals("fortunes-min", d.get("source").asText());
    assertEquals(version, d.get("source_version").asText());
    assertEquals("usr/share/games/fortunes/fortunes", d.get("path").asText());
    assertEquals("BSD-3-Clause", d.get("license").asText());
    assertEquals("en", d.get("language").asText());
    assertEquals("US", d.get("jurisdiction").asText());
    assertTrue(d.get("text").asText().contains("\n%\n"), "fortune separators kept");

    // S3 object and rows
    String sha = Hashes.sha256(part);
    assertEquals(sha, store.stat("corpus", "corpus/test/fortunes-min/part-000.jsonl").orElseThrow().sha256());
    ArtifactRepository.Artifact a = new ArtifactRepository(db.jdbc())
        .find("s3://corpus/corpus/test/fortunes-min/part-000.jsonl").orElseThrow();
    assertEquals(sha, a.sha256());
    assertEquals("corpus-file", a.kind());
    assertNull(a.runId());
    assertEquals("corpus", a.step());
    assertEquals(store.endpoint(), a.storageEndpoint());
    SourceRepository.Source row = new SourceRepository(db.jdbc()).all().get(0);
    assertEquals("fortunes-min", row.sourceId());
    assertEquals(s.checksum(), row.checksum());
    assertEquals("US", row.jurisdiction());
    JsonNode manifest = new ObjectMapper().readTree(data.resolve("corpus/test/manifest.json").toFile());
    assertEquals(sha, manifest.at("/sources/0/parts/0/sha256").asText());
    assertEquals(s.checksum(), manifest.at("/sources/0/checksum").asText());

    // Second fetch: nothing to do, no package client called
    log.clear();
    FetchResult again = fetcher.fetch(spec, "corpus", "corpus/test");
    assertEquals("cached", again.status());
    assertTrue(log.stream().anyMatch(l -> l.contains("cached")), String.join("\n", log));
    assertFalse(log.stream().anyMatch(l -> l.contains("download")), String.join("\n", log));

    // Fresh S3: re-upload from the local parts, no download
    store.remove("corpus", "corpus/test/fortunes-min/part-000.jsonl");
    log.clear();
    FetchResult re = fetcher.fetch(spec, "corpus", "corpus/test");
    assertEquals("reuploaded", re.status());
    assertFalse(log.stream().anyMatch(l -> l.contains("download")), String.join("\n", log));
    assertEquals(sha, store.stat("corpus", "corpus/test/fortunes-min/part-000.jsonl").orElseThrow().sha256());

    // Deterministic: rebuilt from the download cache, byte-identical
    PathUtils.delete(data.resolve("corpus"));
    log.clear();
    FetchResult rebuilt = fetcher.fetch(spec, "corpus", "corpus/test");
    assertEquals("fetched", rebuilt.status());
    assertEquals("rebuilt", rebuilt.sources().get(0).status());
    assertTrue(log.stream().anyMatch(l -> l.contains("download cache:")), String.join("\n", log));
    assertEquals(sha, Hashes.sha256(part));
  }

  @Test
  void corruptDownloadsAreCaughtByTheRegistryChecksum() throws Exception {
    CorpusSpec spec = spec(SPEC);
    Path data = tmp.resolve("data");
    CorpusFetcher fetcher = new CorpusFetcher(data, null, null, log::add);
    FetchResult r = fetcher.prepare(spec);
    String version = r.sources().get(0).version();
    Path deb;
    try (Stream<Path> files = Files.list(data.resolve("cache/debian"))) {
      deb = files.filter(p -> p.toString().endsWith(".deb")).findFirst().orElseThrow();
    }

    // A corrupt file is named with both checksums
    Path bad = tmp.resolve("bad.deb");
    byte[] bytes = Files.readAllBytes(deb);
    bytes[bytes.length / 2] ^= 1;
    Files.write(bad, bytes);
    CorpusException e = assertThrows(CorpusException.class,
        () -> DebianRegistry.verifyDownload("fortunes-min=" + version, bad, r.sources().get(0).checksum()));
    assertTrue(e.getMessage().contains("fortunes-min=" + version), e.getMessage());
    assertTrue(e.getMessage().contains(r.sources().get(0).checksum()), e.getMessage());
    assertTrue(e.getMessage().contains(Hashes.sha256(bad)), e.getMessage());

    // A corrupt cached download is replaced by a fresh one
    Files.write(deb, bytes);
    PathUtils.delete(data.resolve("corpus"));
    log.clear();
    FetchResult again = fetcher.prepare(spec);
    assertEquals("fetched", again.sources().get(0).status());
    assertTrue(log.stream().anyMatch(l -> l.contains("does not match the index SHA256")), String.join("\n", log));
    assertEquals(r.sources().get(0).checksum(), Hashes.sha256(deb));
  }

  @Test
  void md5sumsMismatchFailsNamingTheFile() throws Exception {
    // A .deb of our own whose DEBIAN/md5sums is wrong for one file and silent about another.
    Path root = tmp.resolve("pkg");
    Files.createDirectories(root.resolve("DEBIAN"));
    Files.createDirectories(root.resolve("usr/share/doc/demo-pkg"));
    Files.writeString(root.resolve("usr/share/doc/demo-pkg/good.txt"), "good text\n");
    Files.writeString(root.resolve("usr/share/doc/demo-pkg/bad.txt"), "tampered text\n");
    Files.writeString(root.resolve("usr/share/doc/demo-pkg/unlisted.txt"), "not in md5sums\n");
    Files.writeString(root.resolve("DEBIAN/control"), "Package: demo-pkg\nVersion: 1.0\nArchitecture: all\n"
        + "Maintainer: Test <test@example.org>\nDescription: test package\n");
    String goodMd5 = Hashes.md5("good text\n".getBytes(StandardCharsets.UTF_8));
    String wrongMd5 = Hashes.md5("original text\n".getBytes(StandardCharsets.UTF_8));
    Files.writeString(root.resolve("DEBIAN/md5sums"), goodMd5 + "  usr/share/doc/demo-pkg/good.txt\n"
        + wrongMd5 + "  usr/share/doc/demo-pkg/bad.txt\n");
    Path deb = tmp.resolve("demo-pkg_1.0_all.deb");
    Commands.check(null, List.of("dpkg-deb", "--build", "--root-owner-group", root.toString(), deb.toString()));

    Map<String, String> md5 = DebianRegistry.readMd5sums(deb);
    assertEquals(goodMd5, md5.get("usr/share/doc/demo-pkg/good.txt"));
    FetchedPackage pkg = new FetchedPackage("debian", "demo-pkg", "1.0", "sha256", Hashes.sha256(deb), deb, md5,
        null, true);
    CorpusFetcher fetcher = new CorpusFetcher(tmp.resolve("data"), null, null, log::add);
    CorpusSpec spec = spec(SPEC.replace("fortunes-min", "demo-pkg").replace("usr/share/games/fortunes/*",
        "usr/share/doc/demo-pkg/*.txt"));
    CorpusSpec.Source s = spec.sources().get(0);
    Path corpusDir = tmp.resolve("data/corpus/test");

    CorpusException e = assertThrows(CorpusException.class,
        () -> fetcher.buildFrom(spec, s, "h", corpusDir, pkg, System.nanoTime()));
    assertTrue(e.getMessage().contains("usr/share/doc/demo-pkg/bad.txt"), e.getMessage());
    assertTrue(e.getMessage().contains(wrongMd5), e.getMessage());
    assertTrue(e.getMessage().contains(Hashes.md5("tampered text\n".getBytes(StandardCharsets.UTF_8))), e.getMessage());

    // Without the tampered file: the good one is used, the unlisted one skipped and counted
    CorpusSpec.Source onlyGood = spec(SPEC.replace("fortunes-min", "demo-pkg").replace("[\"usr/share/games/fortunes/*\"]",
        "[\"usr/share/doc/demo-pkg/*.txt\"]\n    exclude: [\"**/bad.txt\"]")).sources().get(0);
    CorpusManifest.SourceEntry entry = fetcher.buildFrom(spec, onlyGood, "h", corpusDir, pkg, System.nanoTime());
    assertEquals(1, entry.filesUsed());
    assertEquals(1, entry.md5Verified());
    assertEquals(Map.of("not listed in DEBIAN/md5sums", 1L), entry.skipped());
    assertEquals(List.of("usr/share/doc/demo-pkg/unlisted.txt"), entry.skippedExamples().get("not listed in DEBIAN/md5sums"));
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

  private static String aptIndexSha256(String pkg, String version) {
    Commands.Output o = Commands.check(null, List.of("apt-cache", "show", pkg + "=" + version));
    return o.stdout().lines().filter(l -> l.startsWith("SHA256:")).findFirst().orElseThrow().substring(7).strip();
  }

  private static CorpusSpec spec(String yaml) {
    return CorpusSpec.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "test");
  }
}
