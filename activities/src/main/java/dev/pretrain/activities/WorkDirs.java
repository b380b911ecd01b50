package dev.pretrain.activities;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.apache.commons.io.file.PathUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Scratch directories of activities under the worker's work directory. */
public final class WorkDirs {

  private static final Logger log = LoggerFactory.getLogger(WorkDirs.class);

  private WorkDirs() {}

  /** Deletes a directory tree; a failure is logged, not thrown (scratch space, cleared again on restart). */
  public static void deleteQuietly(Path dir) {
    try {
      PathUtils.delete(dir); // an absent directory is fine; links are deleted, not followed
    } catch (IOException | UncheckedIOException e) {
      log.warn("could not delete scratch directory {}: {}", dir, e.getMessage());
    }
  }
}
