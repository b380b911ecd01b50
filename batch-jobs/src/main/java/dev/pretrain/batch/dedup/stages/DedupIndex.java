package dev.pretrain.batch.dedup.stages;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.db.storage.ObjectStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The persistent dedup index of recurring runs: the exact digests and LSH band buckets of every
 * document earlier runs kept, so a run can drop what was already seen. A version is a manifest at
 * {@code dedup-index/<name>/v<NNNNNN>/manifest.json}; it lists the kept shards its documents live in
 * (the shard table), and per partition the entry files hash stages wrote over those shards, each with
 * the offset of its shard numbers in the table. A run adds a version: the previous one's lists plus
 * the files of what it kept. Files are never rewritten, so every version stays readable.
 *
 * @param runs the runs that contributed, oldest first
 */
public record DedupIndex(String name, int version, int partitions, int bands, int rows, long seed, List<String> runs,
    List<Ref> shards, List<List<Part>> exact, List<List<Part>> bandFiles) {

  /** An object of the index (the manifest's JSON form of {@link ObjectStore.Stored}). */
  public record Ref(String bucket, String key, String sha256, long sizeBytes) {
    public static Ref of(ObjectStore.Stored s) {
      return new Ref(s.bucket(), s.key(), s.sha256(), s.sizeBytes());
    }

    public ObjectStore.Stored stored() {
      return new ObjectStore.Stored(bucket, key, sha256, sizeBytes);
    }
  }

  /** An entry file and where its shard numbers start in the shard table. */
  public record Part(Ref file, int shardOffset) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
  private static final Pattern VERSION = Pattern.compile(".*/v(\\d{6})/manifest\\.json");

  public static String checkedName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("dedup index name '" + name + "': letters, digits, '.', '_', '-' (1-100)");
    }
    return name;
  }

  static String prefix(String name) {
    return "dedup-index/" + checkedName(name) + "/";
  }

  /** The newest version of an index, or empty when no run has written one yet. */
  public static Optional<DedupIndex> latest(ObjectStore store, String bucket, String name) {
    int newest = 0;
    for (ObjectStore.Stored s : store.list(bucket, prefix(name))) {
      Matcher m = VERSION.matcher(s.key());
      if (m.matches()) {
        newest = Math.max(newest, Integer.parseInt(m.group(1)));
      }
    }
    return newest == 0 ? Optional.empty() : Optional.of(read(store, bucket, name, newest));
  }

  public static DedupIndex read(ObjectStore store, String bucket, String name, int version) {
    String key = manifestKey(name, version);
    byte[] bytes = store.readBytes(bucket, key)
        .orElseThrow(() -> new IllegalStateException("no dedup index s3://" + bucket + "/" + key));
    try {
      return JSON.readValue(bytes, DedupIndex.class);
    } catch (IOException e) {
      throw new IllegalStateException("s3://" + bucket + "/" + key + ": not a dedup index manifest: " + e.getMessage(), e);
    }
  }

  public static String manifestKey(String name, int version) {
    return prefix(name) + String.format("v%06d/manifest.json", version);
  }

  /** An index's parameters must be the run's: a digest or bucket routed differently would never meet. */
  public void requireCompatible(DedupSettings s) {
    if (partitions != s.partitions() || bands != s.bands() || rows != s.rows() || seed != s.seed()) {
      throw new IllegalArgumentException("dedup index " + name + " v" + version + " was built with " + partitions
          + " partitions, " + bands + " x " + rows + " bands, seed " + seed + "; this run asks for " + s.partitions()
          + " partitions, " + s.bands() + " x " + s.rows() + ", seed " + s.seed() + " (use the index's or a new index)");
    }
  }

  /**
   * The next version: this one's shard table and entry files plus a run's kept shards and the hash
   * stage's files over them (by partition). {@code previous} null starts version 1.
   */
  public static DedupIndex next(DedupIndex previous, String name, DedupSettings s, String runId,
      List<ObjectStore.Stored> keptShards, List<List<ObjectStore.Stored>> exactByPartition,
      List<List<ObjectStore.Stored>> bandsByPartition) {
    List<String> runs = new ArrayList<>(previous == null ? List.of() : previous.runs());
    runs.add(runId);
    List<Ref> shards = new ArrayList<>(previous == null ? List.of() : previous.shards());
    int offset = shards.size();
    keptShards.forEach(k -> shards.add(Ref.of(k)));
    List<List<Part>> exact = new ArrayList<>();
    List<List<Part>> bands = new ArrayList<>();
    for (int q = 0; q < s.partitions(); q++) {
      exact.add(appended(previous == null ? List.of() : previous.exact().get(q), exactByPartition.get(q), offset));
      bands.add(appended(previous == null ? List.of() : previous.bandFiles().get(q),
          s.fuzzy() ? bandsByPartition.get(q) : List.of(), offset));
    }
    return new DedupIndex(checkedName(name), previous == null ? 1 : previous.version() + 1, s.partitions(), s.bands(),
        s.rows(), s.seed(), List.copyOf(runs), List.copyOf(shards), exact, bands);
  }

  private static List<Part> appended(List<Part> old, List<ObjectStore.Stored> added, int offset) {
    List<Part> out = new ArrayList<>(old);
    added.forEach(f -> out.add(new Part(Ref.of(f), offset)));
    return List.copyOf(out);
  }

  /** Writes this version's manifest; fails if another run wrote the same version meanwhile. */
  public ObjectStore.Stored publish(ObjectStore store, String bucket, Path scratch) {
    String key = manifestKey(name, version);
    Optional<ObjectStore.Stored> existing = store.stat(bucket, key);
    if (existing.isPresent()) {
      // a retried attempt of the run that wrote it finds its own version
      if (read(store, bucket, name, version).runs().equals(runs)) {
        return existing.get();
      }
      throw new IllegalStateException("dedup index " + name + " v" + version + " exists already: two runs updated the"
          + " index at once (runs sharing an index must not overlap)");
    }
    try {
      Path file = scratch.resolve("index-manifest.json");
      JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), this);
      ObjectStore.Stored out = store.putFile(bucket, key, file, "application/json");
      Files.deleteIfExists(file);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("write dedup index manifest " + key, e);
    }
  }

  /**
   * An index entry file as a run reads it: its documents' shard numbers move past the run's own
   * {@code runShards} input shards (and the file's offset in the table), and they rank before every
   * document of the run under the keep rule (they were kept, and trained on, before).
   */
  public record Indexed(ObjectStore.Stored file, int shardOffset) {
    DocRef remap(DocRef d) {
      return new DocRef(d.id(), d.source(), -1, d.shard() + shardOffset, d.line(), d.offset(), d.length());
    }
  }

  /** Partition q's exact (or band) files as a run with {@code runShards} input shards reads them. */
  public List<Indexed> forRun(int q, boolean exactFiles, int runShards) {
    List<Indexed> out = new ArrayList<>();
    for (Part p : (exactFiles ? exact : bandFiles).get(q)) {
      out.add(new Indexed(p.file().stored(), runShards + p.shardOffset()));
    }
    return out;
  }

  /** The shard table as stored objects. */
  public List<ObjectStore.Stored> shardObjects() {
    return shards.stream().map(Ref::stored).toList();
  }
}
