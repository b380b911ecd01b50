package dev.pretrain.activities;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Scratch directories of activities under the worker's work directory. */
public final class WorkDirs {

  private static final Logger log = LoggerFactory.getLogger(WorkDirs.class);

  private WorkDirs() {}

  /** Deletes a directory tree; a failure is logged, not thrown (scratch space, cleared again on restart). */
  public static void deleteQuietly(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      log.warn("could not delete scratch directory {}: {}", dir, e.getMessage());
    }
  }
}
