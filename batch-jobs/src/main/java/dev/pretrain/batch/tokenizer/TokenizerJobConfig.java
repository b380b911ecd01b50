package dev.pretrain.batch.tokenizer;

import dev.pretrain.batch.BatchJobRunner;
import dev.pretrain.batch.shards.DocumentShardReader;
import dev.pretrain.batch.shards.ShardDocument;
import dev.pretrain.batch.tokenize.SplitRule;
import dev.pretrain.db.Database;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.documents.DocumentRepository;
import dev.pretrain.db.storage.ObjectStore;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Trains the run's own tokenizer, in two steps:
 * <ol>
 *   <li>{@value #SAMPLE_STEP}: read the kept documents -> key the train-split ones (held-out ones are
 *       filtered and counted) -> keep the sample (smallest keys up to the sample size);
 *   <li>{@value #TRAIN_STEP}: train the BPE vocabulary on the sample, publish tokenizer.json, the
 *       sample's document list and the card, record them and the sample's membership.
 * </ol>
 * Launched through {@link TokenizerJob#run}.
 */
@Configuration
public class TokenizerJobConfig {

  public static final String JOB_NAME = "tokenizerJob";
  public static final String SAMPLE_STEP = "tokenizer-sample";
  public static final String TRAIN_STEP = "tokenizer-train";
  static final int CHUNK_SIZE = 200;

  @Bean
  public Job tokenizerJob(JobRepository jobRepository,
      @Qualifier("tokenizerSampleStep") Step sample, @Qualifier("tokenizerTrainStep") Step train) {
    return BatchJobRunner.newJob(JOB_NAME, jobRepository).start(sample).next(train).build();
  }

  @Bean
  public Step tokenizerSampleStep(JobRepository jobRepository, PlatformTransactionManager transactionManager,
      @Qualifier("tokenizerReader") DocumentShardReader reader, SampleCandidates candidates, SampleSelector selector) {
    return new StepBuilder(SAMPLE_STEP, jobRepository)
        .<ShardDocument, SampleCandidate>chunk(CHUNK_SIZE)
        .transactionManager(transactionManager)
        .reader(reader)
        .processor(candidates)
        .writer(selector)
        .listener((StepExecutionListener) selector)
        .build();
  }

  @Bean
  public Step tokenizerTrainStep(JobRepository jobRepository, PlatformTransactionManager transactionManager,
      TokenizerPublisher publisher) {
    return new StepBuilder(TRAIN_STEP, jobRepository).tasklet(publisher, transactionManager).build();
  }

  @Bean
  @StepScope
  public DocumentShardReader tokenizerReader(ObjectStore store, BatchJobRunner.Launches launches,
      @Value("#{jobParameters['launch']}") String launch) {
    return new DocumentShardReader(store, TokenizerJob.launch(launches, launch).request().documentShards(), true);
  }

  @Bean
  @StepScope
  SampleCandidates tokenizerCandidates(BatchJobRunner.Launches launches,
      @Value("#{jobParameters['launch']}") String launch) {
    TokenizerJob.Request r = TokenizerJob.launch(launches, launch).request();
    return new SampleCandidates(new SplitRule(r.valFraction(), r.heldOutSources()), r.seed());
  }

  @Bean
  @StepScope
  SampleSelector tokenizerSelector(BatchJobRunner.Launches launches, @Value("#{jobParameters['launch']}") String launch) {
    var l = TokenizerJob.launch(launches, launch);
    return new SampleSelector(l.request().sampleBytes(), SampleSelector.sampleFile(l.scratchDir()), l.progress());
  }

  @Bean
  @StepScope
  TokenizerPublisher tokenizerPublisher(ObjectStore store, Database database, BatchJobRunner.Launches launches,
      @Value("#{jobParameters['launch']}") String launch) {
    var l = TokenizerJob.launch(launches, launch);
    return new TokenizerPublisher(l.request(), l.scratchDir(), store, new ArtifactRepository(database.jdbc()),
        new DocumentRepository(database.jdbc()));
  }
}
