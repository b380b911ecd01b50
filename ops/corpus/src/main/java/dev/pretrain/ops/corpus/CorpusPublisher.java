package dev.pretrain.ops.corpus;

import dev.pretrain.db.Database;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.documents.SourceRepository;
import dev.pretrain.db.storage.ObjectStore;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Puts a corpus source's local JSONL parts on S3 as {@code <prefix>/<source>/part-NNN.jsonl} and
 * records them (artifacts rows, the sources row): what {@code corpus fetch} and {@code corpus synth}
 * both do once their parts are written.
 */
final class CorpusPublisher {

  private final ObjectStore store;
  private final Database db;

  /** @param db metadata database; null skips the artifacts/sources rows */
  CorpusPublisher(ObjectStore store, Database db) {
    this.store = Objects.requireNonNull(store, "store");
    this.db = db;
  }

  static String key(String prefix, String sourceId, String file) {
    return (prefix.isEmpty() ? "" : prefix + "/") + sourceId + "/" + file;
  }

  boolean allInStore(CorpusManifest.SourceEntry e, String bucket, String prefix) {
    for (JsonlParts.Part p : e.parts()) {
      Optional<ObjectStore.Stored> st = store.stat(bucket, key(prefix, e.id(), p.file()));
      if (st.isEmpty() || !p.sha256().equals(st.get().sha256()) || st.get().sizeBytes() != p.bytes()) {
        return false;
      }
    }
    return true;
  }

  /** Puts the parts that S3 lacks (or holds with another digest); returns how many were put. */
  int upload(Path corpusDir, CorpusManifest.SourceEntry e, String bucket, String prefix, List<String> uris) {
    int put = 0;
    for (JsonlParts.Part p : e.parts()) {
      String key = key(prefix, e.id(), p.file());
      Optional<ObjectStore.Stored> st = store.stat(bucket, key);
      if (st.isEmpty() || !p.sha256().equals(st.get().sha256()) || st.get().sizeBytes() != p.bytes()) {
        ObjectStore.Stored s = store.putFile(bucket, key, corpusDir.resolve(e.id()).resolve(p.file()),
            "application/x-ndjson");
        if (!s.sha256().equals(p.sha256())) {
          throw new CorpusException("local part " + e.id() + "/" + p.file() + " changed since the manifest was written"
              + " (manifest " + p.sha256() + ", file " + s.sha256() + "): delete " + corpusDir + " and fetch again");
        }
        put++;
      }
      uris.add("s3://" + bucket + "/" + key);
    }
    return put;
  }

  /** Artifacts and sources rows, written only where missing or different (a cached fetch writes nothing). */
  void record(CorpusManifest.SourceEntry e, String content, String bucket, String prefix) {
    if (db == null) {
      return;
    }
    ArtifactRepository artifacts = new ArtifactRepository(db.jdbc());
    for (JsonlParts.Part p : e.parts()) {
      String uri = "s3://" + bucket + "/" + key(prefix, e.id(), p.file());
      Optional<ArtifactRepository.Artifact> have = artifacts.find(uri);
      if (have.isEmpty() || !have.get().sha256().equals(p.sha256())
          || !CorpusFetcher.ARTIFACT_KIND.equals(have.get().kind())
          || !Objects.equals(have.get().storageEndpoint(), store.endpoint())) {
        artifacts.record(new ArtifactRepository.Artifact(uri, p.sha256(), p.bytes(), CorpusFetcher.ARTIFACT_KIND, null,
            CorpusFetcher.STEP, store.endpoint(), store.region(), Instant.now()), List.of());
      }
    }
    SourceRepository sources = new SourceRepository(db.jdbc());
    SourceRepository.Source row = new SourceRepository.Source(e.id(), e.registry(), e.packageName(), e.version(),
        e.checksumAlgo(), e.checksum(), truncate(CorpusFetcher.licenseSummary(e.licenses()), 256), e.jurisdiction(),
        e.filesUsed(), e.textBytes(), Instant.parse(e.fetchedAt()));
    Optional<SourceRepository.Source> have = sources.all().stream().filter(x -> x.sourceId().equals(e.id())).findFirst();
    if (have.isEmpty() || !sameSource(have.get(), row)) {
      sources.upsert(row);
    }
    sources.setContentKind(e.id(), content); // what the spec declares now (curation's rule set follows it)
  }

  private static boolean sameSource(SourceRepository.Source a, SourceRepository.Source b) {
    return a.registry().equals(b.registry()) && a.packageName().equals(b.packageName())
        && a.packageVersion().equals(b.packageVersion()) && a.checksum().equals(b.checksum())
        && Objects.equals(a.license(), b.license()) && Objects.equals(a.jurisdiction(), b.jurisdiction())
        && a.files() == b.files() && a.bytes() == b.bytes();
  }

  private static String truncate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 3) + "...";
  }
}
