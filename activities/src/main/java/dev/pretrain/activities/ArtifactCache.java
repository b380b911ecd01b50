package dev.pretrain.activities;

import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.workflows.ArtifactRef;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Local copies of stored artifacts, named by SHA-256, so a worker downloads a token shard or model
 * once however many activities read it. A file gets its final name only after its digest was
 * checked against the artifact reference, and is checked again when reused.
 */
public final class ArtifactCache {

  /** The stored object is not the one the reference names: retrying cannot help. */
  public static final class DigestMismatchException extends RuntimeException {
    public DigestMismatchException(String message) {
      super(message);
    }
  }

  private final ObjectStore store;
  private final Path dir;

  public ArtifactCache(ObjectStore store, Path dir) {
    this.store = store;
    this.dir = dir;
  }

  /** The cache of a worker: {@code <workDir>/artifact-cache}, cleared with the work directory. */
  public static ArtifactCache of(PipelineServices services) {
    return new ArtifactCache(services.store(), services.workDir().resolve("artifact-cache"));
  }

  /** A verified local copy of {@code ref}. */
  public Path fetch(ArtifactRef ref) {
    // the digest names the local file: it must be one, so that a crafted reference cannot name a path
    if (ref.sha256() == null || !ref.sha256().matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException(ref.uri() + ": '" + ref.sha256() + "' is not a SHA-256 hex digest");
    }
    try {
      Files.createDirectories(dir);
      Path target = dir.resolve(ref.sha256() + suffix(ref.key()));
      if (Files.exists(target)) {
        if (Files.size(target) == ref.sizeBytes() && ref.sha256().equals(ObjectStore.sha256(target))) {
          return target;
        }
        Files.delete(target);
      }
      Path part = dir.resolve(ref.sha256() + ".part-" + UUID.randomUUID());
      try {
        String sha = store.download(ref.bucket(), ref.key(), part);
        if (!sha.equals(ref.sha256())) {
          throw new DigestMismatchException(ref.uri() + " has SHA-256 " + sha + ", but " + ref.sha256()
              + " was recorded when it was written: the object was replaced or corrupted");
        }
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(part);
      }
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("caching " + ref.uri() + " in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Verified local copies, in order; {@code each} runs after every file (e.g. to heartbeat). */
  public List<Path> fetchAll(List<ArtifactRef> refs, Runnable each) {
    List<Path> out = new ArrayList<>();
    for (ArtifactRef r : refs) {
      out.add(fetch(r));
      each.run();
    }
    return out;
  }

  /** Removes the local copy of {@code ref}, if any (for large objects read once, such as checkpoints). */
  public void evict(ArtifactRef ref) {
    try {
      Files.deleteIfExists(dir.resolve(ref.sha256() + suffix(ref.key())));
    } catch (IOException e) {
      throw new UncheckedIOException("evicting " + ref.uri() + " from " + dir + ": " + e.getMessage(), e);
    }
  }

  public Path dir() {
    return dir;
  }

  private static String suffix(String key) {
    int slash = key.lastIndexOf('/');
    int dot = key.lastIndexOf('.');
    String s = dot > slash && key.length() - dot <= 8 ? key.substring(dot) : "";
    return s.matches("\\.[A-Za-z0-9]+") ? s : "";
  }
}
