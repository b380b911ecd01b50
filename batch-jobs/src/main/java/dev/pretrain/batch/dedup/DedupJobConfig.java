package dev.pretrain.batch.dedup;

import dev.pretrain.batch.BatchJobRunner;
import dev.pretrain.batch.shards.DocumentShardReader;
import dev.pretrain.batch.shards.ShardDocument;
import dev.pretrain.db.Database;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.curation.CurationRepository;
import dev.pretrain.db.documents.DocumentRepository;
import dev.pretrain.db.storage.ObjectStore;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.item.ItemProcessor;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Dedup of document shards, in two steps (reader -> processor -> writer, then publish). The processor
 * is either exact dedup across all shards of a run in one launch ({@link ExactDuplicateProcessor}), or
 * the partitioned dedup's filter for one group of shards ({@link DropListProcessor}, the drops decided
 * by the earlier stages in {@code dev.pretrain.batch.dedup.stages}):
 * <ol>
 *   <li>{@value #DOCUMENTS_STEP}: read every shard in order -> mark repeats of an earlier digest ->
 *       write kept lines to one local file per input shard, record each duplicate with its kept twin;
 *   <li>{@value #PUBLISH_STEP}: upload the files to {@code runs/<runId>/dedup/docs-<i>.jsonl} and
 *       record them as artifacts with their document membership.
 * </ol>
 * Launched through {@link DedupJob#run}; the step beans find the input list in the launch.
 */
@Configuration
public class DedupJobConfig {

  public static final String JOB_NAME = "dedupJob";
  public static final String DOCUMENTS_STEP = "dedup-documents";
  public static final String PUBLISH_STEP = "dedup-publish";
  static final int CHUNK_SIZE = 1000;

  @Bean
  public Job dedupJob(JobRepository jobRepository,
      @Qualifier("dedupDocumentsStep") Step documents, @Qualifier("dedupPublishStep") Step publish) {
    return BatchJobRunner.newJob(JOB_NAME, jobRepository)
        .start(documents)
        .next(publish)
        .build();
  }

  @Bean
  public Step dedupDocumentsStep(JobRepository jobRepository, PlatformTransactionManager transactionManager,
      @Qualifier("dedupReader") DocumentShardReader reader,
      @Qualifier("dedupProcessor") ItemProcessor<ShardDocument, DedupVerdict> processor,
      DedupShardWriter writer) {
    return new StepBuilder(DOCUMENTS_STEP, jobRepository)
        .<ShardDocument, DedupVerdict>chunk(CHUNK_SIZE)
        .transactionManager(transactionManager)
        .reader(reader)
        .processor(processor)
        .writer(writer)
        .build();
  }

  @Bean
  public Step dedupPublishStep(JobRepository jobRepository, PlatformTransactionManager transactionManager,
      DedupShardPublisher publisher) {
    return new StepBuilder(PUBLISH_STEP, jobRepository).tasklet(publisher, transactionManager).build();
  }

  @Bean
  @StepScope
  public DocumentShardReader dedupReader(ObjectStore store, BatchJobRunner.Launches launches,
      @Value("#{jobParameters['launch']}") String launch) {
    DedupJob.Request request = DedupJob.launch(launches, launch).request();
    boolean withText = request.filter() != null && request.filter().contamination() != null;
    return new DocumentShardReader(store, request.inputShards(), withText);
  }

  @Bean
  @StepScope
  public ItemProcessor<ShardDocument, DedupVerdict> dedupProcessor(ObjectStore store, BatchJobRunner.Launches launches,
      @Value("#{jobParameters['launch']}") String launch) {
    DedupJob.Filter filter = DedupJob.launch(launches, launch).request().filter();
    if (filter == null) {
      return new ExactDuplicateProcessor();
    }
    return new DropListProcessor(store, filter.dropFiles(), filter.redirects(), filter.firstShard(),
        filter.contamination(), filter.heldOutSources(), filter.driftSources());
  }

  @Bean
  @StepScope
  public DedupShardWriter dedupWriter(Database database, BatchJobRunner.Launches launches,
      @Value("#{jobParameters['launch']}") String launch) {
    var l = DedupJob.launch(launches, launch);
    int part = l.request().filter() == null ? 0 : l.request().filter().group();
    return new DedupShardWriter(l.scratchDir(), l.request().runId(), part, new DocumentRepository(database.jdbc()),
        new CurationRepository(database.jdbc()),
        l.progress());
  }

  @Bean
  @StepScope
  public DedupShardPublisher dedupPublisher(ObjectStore store, Database database, BatchJobRunner.Launches launches,
      @Value("#{jobParameters['launch']}") String launch) {
    var l = DedupJob.launch(launches, launch);
    return new DedupShardPublisher(l.request(), l.scratchDir(), store, new ArtifactRepository(database.jdbc()),
        new DocumentRepository(database.jdbc()));
  }
}
