package dev.pretrain.batch;

import dev.pretrain.db.Database;
import dev.pretrain.db.storage.ObjectStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.apache.commons.io.file.PathUtils;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;

/**
 * The one way to launch a batch job. Holds one Spring application context with the batch
 * infrastructure (JDBC job repository in our database) and every job configuration, built once per
 * worker process. Jobs get the database, object store and {@link Launches} as beans.
 *
 * <p>A job's facade (e.g. {@code DedupJob}) validates its request and calls {@link #launch}: each
 * launch gets a fresh scratch directory and is a new job instance that starts from scratch (a failed
 * execution is never restarted: its scratch files are gone; jobs are built with {@link #newJob}). The
 * job leaves its result in the {@code ExecutionContext} of its steps, which the facade reads from the
 * returned execution.
 *
 * <p>Adding a job: a {@code @Configuration} class (reader -> processor -> writer) whose step-scoped
 * beans read {@link #LAUNCH_PARAMETER} and {@link Launches}, a facade, and the configuration class
 * in the worker's {@code BatchJobRunner} constructor call.
 */
public final class BatchJobRunner implements AutoCloseable {

  /** The job parameter that names the launch (see {@link Launches}); it also makes every launch a new instance. */
  public static final String LAUNCH_PARAMETER = "launch";

  private final AnnotationConfigApplicationContext context;
  private final Path workDir;
  private final Launches launches = new Launches();

  public BatchJobRunner(Database database, ObjectStore store, Path workDir, Class<?>... jobConfigs) {
    this.workDir = workDir;
    context = new AnnotationConfigApplicationContext();
    context.registerBean("dataSource", DataSource.class, database::dataSource);
    context.registerBean(Database.class, () -> database);
    context.registerBean(ObjectStore.class, () -> store);
    context.registerBean(Launches.class, () -> launches);
    context.register(BatchInfrastructureConfig.class);
    context.register(jobConfigs);
    context.refresh();
  }

  /** A job builder with the launch policy of every job here: no restart, each launch starts from scratch. */
  public static JobBuilder newJob(String jobName, JobRepository jobRepository) {
    return new JobBuilder(jobName, jobRepository).preventRestart();
  }

  /**
   * One launch of a job, as its step beans see it.
   *
   * @param scratchDir local space for files being written before upload; deleted after the launch
   * @param progress   the caller's progress callback (never null)
   */
  public record Launch<Q, P>(String id, Q request, Path scratchDir, P progress) {}

  /**
   * Launches in flight in this process. Job parameters are short strings and cannot carry a callback
   * or a long input list, so these reach the step beans here, keyed by {@link #LAUNCH_PARAMETER}.
   */
  public static final class Launches {
    private final Map<String, Launch<?, ?>> byId = new ConcurrentHashMap<>();

    /** The launch {@code id} with a request and progress callback of these types. */
    @SuppressWarnings("unchecked")
    public <Q, P> Launch<Q, P> get(String id, Class<Q> requestType, Class<P> progressType) {
      Launch<?, ?> launch = byId.get(id);
      if (launch == null || !requestType.isInstance(launch.request()) || !progressType.isInstance(launch.progress())) {
        throw new IllegalStateException("no " + requestType.getSimpleName() + " launch " + id
            + " in this process; start the job through BatchJobRunner.launch");
      }
      return (Launch<Q, P>) launch;
    }
  }

  /**
   * Runs {@code jobName} for one request to the end, with a fresh scratch directory under
   * {@code <workDir>/<step>/}, and returns its COMPLETED execution.
   *
   * @param identifying the job parameters that identify the work; the launch id is added
   * @throws IllegalStateException when the job does not complete, with the job's own failure messages
   *                               and its first failure as the cause
   */
  public <Q, P> JobExecution launch(String jobName, String step, String runId, Q request, P progress,
      JobParametersBuilder identifying) {
    String id = UUID.randomUUID().toString();
    Path dir = scratchDir(step, runId);
    launches.byId.put(id, new Launch<>(id, request, dir, progress));
    try {
      return runToCompletion(jobName, identifying.addString(LAUNCH_PARAMETER, id).toJobParameters());
    } finally {
      launches.byId.remove(id);
      deleteRecursively(dir);
    }
  }

  private JobExecution runToCompletion(String jobName, JobParameters parameters) {
    JobExecution execution;
    try {
      execution = context.getBean(JobOperator.class).start(context.getBean(jobName, Job.class), parameters);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("could not launch " + jobName + " with " + parameters + ": " + e.getMessage(), e);
    }
    if (execution.getStatus() != BatchStatus.COMPLETED) {
      var failures = execution.getAllFailureExceptions();
      String why = failures.isEmpty()
          ? "no failure recorded"
          : failures.stream().map(BatchJobRunner::describe).collect(Collectors.joining("; "));
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

  /** The execution of step {@code stepName}, whose ExecutionContext holds what the step reports. */
  public static StepExecution step(JobExecution execution, String stepName) {
    return execution.getStepExecutions().stream()
        .filter(s -> s.getStepName().equals(stepName))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("job execution " + execution.getId() + " has no step " + stepName));
  }

  public <T> T bean(Class<T> type) {
    return context.getBean(type);
  }

  @Override
  public void close() {
    context.close();
  }

  private Path scratchDir(String step, String runId) {
    try {
      Path parent = Files.createDirectories(workDir.resolve(step));
      return Files.createTempDirectory(parent, runId.replaceAll("[^A-Za-z0-9._-]", "_") + "-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create scratch directory under " + workDir, e);
    }
  }

  /** Best effort: a leftover scratch file is harmless, and must not hide the job's own outcome. */
  public static void deleteRecursively(Path dir) {
    if (dir == null) {
      return;
    }
    try {
      PathUtils.delete(dir); // an absent directory is fine; links are deleted, not followed
    } catch (IOException | UncheckedIOException e) {
      // left for the operator's cleanup; see method comment
    }
  }
}
