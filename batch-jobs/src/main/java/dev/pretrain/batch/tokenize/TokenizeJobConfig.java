package dev.pretrain.batch.tokenize;

import dev.pretrain.batch.BatchJobRunner;
import dev.pretrain.batch.shards.DocumentShardReader;
import dev.pretrain.batch.shards.ShardDocument;
import dev.pretrain.batch.tokenizer.StoredTokenizer;
import dev.pretrain.batch.tokenizer.TokenizerJob;
import dev.pretrain.db.Database;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.documents.DocumentRepository;
import dev.pretrain.db.storage.ObjectStore;
import java.util.List;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Tokenizes one document shard into llm.c token shards, in two steps:
 * <ol>
 *   <li>{@value #DOCUMENTS_STEP}: read documents -> encode (EOT + the vocabulary's tokens) and pick train/val ->
 *       append to the local token file and map of that split;
 *   <li>{@value #PUBLISH_STEP}: fill in the headers, upload to {@code runs/<runId>/tokenize/}, record
 *       artifacts and each document's token range.
 * </ol>
 * Launched through {@link TokenizeJob#run}.
 */
@Configuration
public class TokenizeJobConfig {

  public static final String JOB_NAME = "tokenizeJob";
  public static final String DOCUMENTS_STEP = "tokenize-documents";
  public static final String PUBLISH_STEP = "tokenize-publish";
  static final int CHUNK_SIZE = 200;

  @Bean
  public Job tokenizeJob(JobRepository jobRepository,
      @Qualifier("tokenizeDocumentsStep") Step documents, @Qualifier("tokenizePublishStep") Step publish) {
    return BatchJobRunner.newJob(JOB_NAME, jobRepository)
        .start(documents)
        .next(publish)
        .build();
  }

  @Bean
  public Step tokenizeDocumentsStep(JobRepository jobRepository, PlatformTransactionManager transactionManager,
      @Qualifier("tokenizeReader") DocumentShardReader reader, DocumentTokenizer tokenizer, TokenShardWriter writer) {
    return new StepBuilder(DOCUMENTS_STEP, jobRepository)
        .<ShardDocument, TokenizedDocument>chunk(CHUNK_SIZE)
        .transactionManager(transactionManager)
        .reader(reader)
        .processor(tokenizer)
        .writer(writer)
        .build();
  }

  @Bean
  public Step tokenizePublishStep(JobRepository jobRepository, PlatformTransactionManager transactionManager,
      TokenShardPublisher publisher) {
    return new StepBuilder(PUBLISH_STEP, jobRepository).tasklet(publisher, transactionManager).build();
  }

  @Bean
  @StepScope
  public DocumentShardReader tokenizeReader(ObjectStore store, BatchJobRunner.Launches launches,
      @Value("#{jobParameters['launch']}") String launch) {
    return new DocumentShardReader(store, List.of(TokenizeJob.launch(launches, launch).request().documentShard()),
        true);
  }

  @Bean
  @StepScope
  public DocumentTokenizer tokenizeProcessor(ObjectStore store, BatchJobRunner.Launches launches,
      @Value("#{jobParameters['launch']}") String launch) {
    TokenizeJob.Request r = TokenizeJob.launch(launches, launch).request();
    SplitRule split = new SplitRule(r.valFraction(), r.heldOutSources());
    if (r.tokenizer() == null) {
      return DocumentTokenizer.r50kBase(split);
    }
    return DocumentTokenizer.of(StoredTokenizer.read(store, r.tokenizer()), TokenizerJob.END_OF_TEXT, split);
  }

  @Bean
  @StepScope
  public TokenShardWriter tokenizeWriter(BatchJobRunner.Launches launches,
      @Value("#{jobParameters['launch']}") String launch) {
    var l = TokenizeJob.launch(launches, launch);
    return new TokenShardWriter(l.scratchDir(), l.progress());
  }

  @Bean
  @StepScope
  public TokenShardPublisher tokenizePublisher(ObjectStore store, Database database, BatchJobRunner.Launches launches,
      @Value("#{jobParameters['launch']}") String launch) {
    var l = TokenizeJob.launch(launches, launch);
    return new TokenShardPublisher(l.request(), l.scratchDir(), store, new ArtifactRepository(database.jdbc()),
        new DocumentRepository(database.jdbc()));
  }
}
