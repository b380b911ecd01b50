package dev.pretrain.batch;

import dev.pretrain.db.Database;
import dev.pretrain.db.storage.ObjectStore;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;

/**
 * Holds one Spring application context with the batch infrastructure and every job configuration,
 * built once per worker process. Jobs get the database, object store and a local work directory as
 * beans; activities call {@link #run} with job parameters that identify the partition.
 */
public final class BatchJobRunner implements AutoCloseable {

  private final AnnotationConfigApplicationContext context;

  public BatchJobRunner(Database database, ObjectStore store, Path workDir, Class<?>... jobConfigs) {
    context = new AnnotationConfigApplicationContext();
    context.registerBean("dataSource", DataSource.class, database::dataSource);
    context.registerBean(Database.class, () -> database);
    context.registerBean(ObjectStore.class, () -> store);
    context.registerBean(BatchWorkDir.class, () -> new BatchWorkDir(workDir));
    context.register(BatchInfrastructureConfig.class);
    context.register(jobConfigs);
    context.refresh();
  }

  /** Launches the named job bean synchronously and returns its finished execution. */
  public JobExecution run(String jobName, JobParameters parameters) throws Exception {
    Job job = context.getBean(jobName, Job.class);
    return context.getBean(JobOperator.class).start(job, parameters);
  }

  public <T> T bean(Class<T> type) {
    return context.getBean(type);
  }

  @Override
  public void close() {
    context.close();
  }

  /** Local scratch space for jobs (downloaded shards, files being written before upload). */
  public record BatchWorkDir(Path path) {}
}
