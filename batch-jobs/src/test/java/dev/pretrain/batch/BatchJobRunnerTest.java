package dev.pretrain.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pretrain.db.Database;
import dev.pretrain.db.storage.ObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.LongConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemProcessor;
import org.springframework.batch.infrastructure.item.ItemStreamWriter;
import org.springframework.batch.infrastructure.item.support.ListItemReader;
import org.springframework.batch.test.ExecutionContextTestUtils;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/** The launcher, with a job as small as a new one would be: a configuration class plus registering it. */
class BatchJobRunnerTest {

  /** Numbers -> squares -> a file in the scratch directory; the sum goes to the step's ExecutionContext. */
  @Configuration
  static class SquaresJobConfig {
    static final String JOB_NAME = "squaresJob";
    static final String STEP_NAME = "squares";
    static final String SUM = "sum";

    @Bean
    Job squaresJob(JobRepository jobRepository, Step squaresStep) {
      return BatchJobRunner.newJob(JOB_NAME, jobRepository).start(squaresStep).build();
    }

    @Bean
    Step squaresStep(JobRepository jobRepository, PlatformTransactionManager transactionManager,
        ListItemReader<Integer> squaresReader, SquaresWriter squaresWriter) {
      return new StepBuilder(STEP_NAME, jobRepository)
          .<Integer, Long>chunk(2)
          .transactionManager(transactionManager)
          .reader(squaresReader)
          .processor(square())
          .writer(squaresWriter)
          .build();
    }

    @Bean
    @StepScope
    ListItemReader<Integer> squaresReader(BatchJobRunner.Launches launches,
        @Value("#{jobParameters['launch']}") String launch) {
      return new ListItemReader<>(numbers(launches, launch).request());
    }

    @Bean
    @StepScope
    SquaresWriter squaresWriter(BatchJobRunner.Launches launches, @Value("#{jobParameters['launch']}") String launch) {
      return new SquaresWriter(numbers(launches, launch));
    }

    private static ItemProcessor<Integer, Long> square() {
      return n -> {
        if (n < 0) {
          throw new IllegalArgumentException("negative number " + n);
        }
        return (long) n * n;
      };
    }

    @SuppressWarnings("unchecked")
    private static BatchJobRunner.Launch<List<Integer>, LongConsumer> numbers(BatchJobRunner.Launches launches,
        String id) {
      return (BatchJobRunner.Launch<List<Integer>, LongConsumer>) (Object) launches.get(id, List.class,
          LongConsumer.class);
    }
  }

  /** Reports its sum as the pipeline's writers report their counts: in the step's ExecutionContext. */
  static class SquaresWriter implements ItemStreamWriter<Long> {
    private final BatchJobRunner.Launch<List<Integer>, LongConsumer> launch;
    private long sum;
    private long written;

    SquaresWriter(BatchJobRunner.Launch<List<Integer>, LongConsumer> launch) {
      this.launch = launch;
    }

    @Override
    public void update(ExecutionContext executionContext) {
      executionContext.putLong(SquaresJobConfig.SUM, sum);
    }

    @Override
    public void write(Chunk<? extends Long> chunk) throws IOException {
      for (Long square : chunk) {
        Files.writeString(launch.scratchDir().resolve("square-" + written++), square.toString());
        sum += square;
      }
      launch.progress().accept(written);
    }
  }

  private Database db;
  private BatchJobRunner runner;
  private Path work;

  @BeforeEach
  void start(@TempDir Path tmp) throws IOException {
    db = Database.open("jdbc:h2:mem:" + UUID.randomUUID() + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DB_CLOSE_DELAY=-1",
        "sa", "");
    work = Files.createDirectories(tmp.resolve("work"));
    // the job never calls storage; nothing listens here
    ObjectStore unused = new ObjectStore("http://127.0.0.1:9", "key", "secret", "us-east-1");
    runner = new BatchJobRunner(db, unused, work, SquaresJobConfig.class);
  }

  @AfterEach
  void stop() {
    runner.close();
    db.close();
  }

  private JobExecution launch(List<Integer> numbers, List<Long> progress) {
    return runner.launch(SquaresJobConfig.JOB_NAME, "squares", "run-1", numbers, (LongConsumer) progress::add,
        new JobParametersBuilder().addString("runId", "run-1"));
  }

  @Test
  void aLaunchReturnsItsResultInTheStepsExecutionContextAndLeavesNoScratchFiles() throws IOException {
    List<Long> progress = new ArrayList<>();
    JobExecution execution = launch(List.of(1, 2, 3), progress);

    assertEquals(BatchStatus.COMPLETED, execution.getStatus());
    StepExecution step = BatchJobRunner.step(execution, SquaresJobConfig.STEP_NAME);
    assertEquals(14L, (Long) ExecutionContextTestUtils.getValueFromStep(step, SquaresJobConfig.SUM));
    assertEquals(List.of(2L, 3L), progress, "the caller's callback, after each chunk");
    try (var left = Files.list(work.resolve("squares"))) {
      assertEquals(0, left.count(), "the scratch directory is deleted after the launch");
    }
  }

  @Test
  void aFailedLaunchThrowsItsCauseAndTheSameRequestRunsAgainAsANewInstance() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> launch(List.of(1, -2), new ArrayList<>()));
    assertTrue(e.getMessage().contains("FAILED") && e.getMessage().contains("negative number -2"), e.getMessage());
    boolean causeKept = false;
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      causeKept |= t instanceof IllegalArgumentException;
    }
    assertTrue(causeKept, "the job's first failure is the cause");

    JobExecution again = launch(List.of(1, 2), new ArrayList<>());
    assertEquals(BatchStatus.COMPLETED, again.getStatus());
    List<?> instances = runner.bean(JobRepository.class).getJobInstances(SquaresJobConfig.JOB_NAME, 0, 10);
    assertEquals(2, instances.size(), "identical parameters, but every launch is a new job instance");
  }

  @Test
  void stepBeansOnlyFindLaunchesOfTheirOwnRequestType() {
    BatchJobRunner.Launches launches = runner.bean(BatchJobRunner.Launches.class);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> launches.get("no-such-launch", List.class, LongConsumer.class));
    assertFalse(e.getMessage().isBlank());
  }
}
