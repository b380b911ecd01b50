package dev.pretrain.activities.ingest;

import dev.pretrain.batch.ingest.IngestInputException;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.workflows.ingest.IngestPartition;
import dev.pretrain.workflows.ingest.InputFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Expands a run's inputs into files and groups them into partitions. Inputs are {@code s3://bucket}
 * or {@code s3://bucket/prefix} (an object, or every object below {@code prefix/}), local
 * directories (walked recursively), local files, or {@code file://} URIs. Only directories are
 * skipped; an input that names nothing is an error, never an empty partition.
 */
public final class IngestPlanner {

  private final ObjectStore store;

  public IngestPlanner(ObjectStore store) {
    this.store = store;
  }

  /**
   * Files sorted by URI (a file named by two inputs counts once), cut into consecutive partitions
   * of about {@code targetPartitionBytes}; a larger file is a partition of its own.
   *
   * @throws IngestInputException naming the input, for an input that does not exist or holds no files
   */
  public List<IngestPartition> plan(List<String> inputs, long targetPartitionBytes) {
    if (inputs == null || inputs.isEmpty()) {
      throw new IngestInputException("no inputs given");
    }
    if (targetPartitionBytes <= 0) {
      throw new IngestInputException("targetPartitionBytes must be > 0, got " + targetPartitionBytes);
    }
    Map<String, InputFile> files = new TreeMap<>();
    for (String input : inputs) {
      if (input == null || input.isBlank()) {
        throw new IngestInputException("an input is empty: " + inputs);
      }
      requireNoClimbing(input.trim());
      List<InputFile> found = expand(input.trim());
      if (found.isEmpty()) {
        throw new IngestInputException("input " + input + " holds no files");
      }
      found.forEach(f -> files.putIfAbsent(f.uri(), f));
    }
    return partition(files, targetPartitionBytes);
  }

  /**
   * An input may not use {@code ..} segments: a recipe names what it reads plainly (an absolute path
   * or one below its folder), and an S3 key with {@code ..} could climb out of a file-system backed
   * bucket.
   */
  static void requireNoClimbing(String input) {
    String path = input.startsWith("s3://") ? input.substring(5) : input.startsWith("file:") ? input.substring(5) : input;
    for (String segment : path.replace('\\', '/').split("/")) {
      if (segment.equals("..")) {
        throw new IngestInputException("input " + input + " has a '..' segment; name inputs without climbing"
            + " (an absolute path, or s3://bucket/prefix/)");
      }
    }
  }

  static List<IngestPartition> partition(Map<String, InputFile> sortedFiles, long targetPartitionBytes) {
    List<IngestPartition> partitions = new ArrayList<>();
    List<InputFile> current = new ArrayList<>();
    long size = 0;
    for (InputFile f : sortedFiles.values()) {
      if (!current.isEmpty() && size + f.sizeBytes() > targetPartitionBytes) {
        partitions.add(new IngestPartition(partitions.size(), List.copyOf(current)));
        current.clear();
        size = 0;
      }
      current.add(f);
      size += f.sizeBytes();
    }
    if (!current.isEmpty()) {
      partitions.add(new IngestPartition(partitions.size(), List.copyOf(current)));
    }
    return partitions;
  }

  private List<InputFile> expand(String input) {
    if (input.startsWith("s3://")) {
      return expandS3(input);
    }
    Path path;
    if (input.startsWith("file:")) {
      try {
        path = Path.of(URI.create(input));
      } catch (IllegalArgumentException | FileSystemNotFoundException e) {
        throw new IngestInputException("input " + input + " is not a usable file URI (write file:///absolute/path): "
            + e.getMessage());
      }
    } else if (input.contains("://")) {
      throw new IngestInputException("input " + input + ": only s3://, file:// and local paths are supported");
    } else {
      path = Path.of(input);
    }
    return expandLocal(input, path.toAbsolutePath().normalize());
  }

  private List<InputFile> expandS3(String input) {
    String rest = input.substring("s3://".length());
    int slash = rest.indexOf('/');
    String bucket = slash < 0 ? rest : rest.substring(0, slash);
    String key = slash < 0 ? "" : rest.substring(slash + 1);
    if (bucket.isEmpty()) {
      throw new IngestInputException("input " + input + " names no bucket");
    }
    if (!store.bucketExists(bucket)) {
      throw new IngestInputException("input " + input + ": bucket '" + bucket + "' does not exist at " + store.endpoint());
    }
    String prefix = key;
    if (!key.isEmpty() && !key.endsWith("/")) {
      Optional<ObjectStore.Stored> object = store.stat(bucket, key);
      if (object.isPresent()) {
        return List.of(new InputFile(object.get().uri(), object.get().sizeBytes(), object.get().etag()));
      }
      prefix = key + "/"; // "s3://b/corpus" means the folder corpus/, not corpus2/
    }
    List<InputFile> files = new ArrayList<>();
    for (ObjectStore.Stored s : store.list(bucket, prefix)) {
      if (!s.key().endsWith("/")) { // folder markers are directories
        files.add(new InputFile(s.uri(), s.sizeBytes(), s.etag()));
      }
    }
    if (files.isEmpty()) {
      throw new IngestInputException("input " + input + ": no objects at s3://" + bucket + "/" + prefix);
    }
    return files;
  }

  private static List<InputFile> expandLocal(String input, Path path) {
    if (!Files.exists(path)) {
      throw new IngestInputException("input " + input + " does not exist (" + path + ")");
    }
    List<Path> paths;
    if (Files.isDirectory(path)) {
      try (Stream<Path> walk = Files.walk(path)) {
        paths = walk.filter(p -> !Files.isDirectory(p)).toList();
      } catch (IOException | UncheckedIOException e) {
        throw new IngestInputException("input " + input + ": cannot list " + path + ": " + e.getMessage(), e);
      }
    } else {
      paths = List.of(path);
    }
    List<InputFile> files = new ArrayList<>();
    for (Path p : paths) {
      if (!Files.isReadable(p)) {
        throw new IngestInputException("input " + input + ": file " + p + " is not readable");
      }
      try {
        // size and modification time stand for the version of a local file (the cache key uses it)
        long size = Files.size(p);
        files.add(new InputFile(p.toUri().toString(), size, size + "@" + Files.getLastModifiedTime(p).toMillis()));
      } catch (IOException e) {
        throw new IngestInputException("input " + input + ": cannot read the size of " + p + ": " + e.getMessage(), e);
      }
    }
    return files;
  }
}
