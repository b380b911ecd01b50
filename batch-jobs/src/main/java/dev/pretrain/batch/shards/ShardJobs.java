package dev.pretrain.batch.shards;

import dev.pretrain.batch.BatchJobRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.step.StepExecution;

/** What the dedup and tokenize facades share: launching a job to the end, and their scratch directories. */
public final class ShardJobs {

  private ShardJobs() {}

  /**
   * Runs a job synchronously and returns its execution if it COMPLETED; otherwise throws with the
   * job's own failure messages, keeping the first failure as the cause.
   */
  public static JobExecution runToCompletion(BatchJobRunner runner, String jobName, JobParameters parameters) {
    JobExecution execution;
    try {
      execution = runner.run(jobName, parameters);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("could not launch " + jobName + " with " + parameters + ": " + e.getMessage(), e);
    }
    if (execution.getStatus() != BatchStatus.COMPLETED) {
      var failures = execution.getAllFailureExceptions();
      String why = failures.isEmpty()
          ? "no failure recorded"
          : failures.stream().map(ShardJobs::describe).collect(Collectors.joining("; "));
      IllegalStateException e = new IllegalStateException(
          jobName + " execution " + execution.getId() + " ended " + execution.getStatus() + ": " + why);
      if (!failures.isEmpty()) {
        e.initCause(failures.get(0));
      }
      throw e;
    }
    return execution;
  }

  /** Skips Spring Batch's wrappers ("Unable to process chunk") to the exception that says what went wrong. */
  private static String describe(Throwable failure) {
    Throwable t = failure;
    while (t.getCause() != null && t.getClass().getName().startsWith("org.springframework.")) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName() + ": " + t.getMessage();
  }

  public static StepExecution step(JobExecution execution, String stepName) {
    return execution.getStepExecutions().stream()
        .filter(s -> s.getStepName().equals(stepName))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("job execution " + execution.getId() + " has no step " + stepName));
  }

  /** A fresh scratch directory for one launch, under {@code <workDir>/<step>/}. */
  public static Path scratchDir(Path workDir, String step, String runId) {
    try {
      Path parent = Files.createDirectories(workDir.resolve(step));
      return Files.createTempDirectory(parent, runId.replaceAll("[^A-Za-z0-9._-]", "_") + "-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create scratch directory under " + workDir, e);
    }
  }

  /** Best effort: a leftover scratch file is harmless, and must not hide the job's own outcome. */
  public static void deleteRecursively(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | UncheckedIOException e) {
      // left for the operator's cleanup; see method comment
    }
  }
}
