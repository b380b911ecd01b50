package dev.pretrain.batch.ingest;

import dev.pretrain.batch.BatchJobRunner;
import dev.pretrain.batch.curate.CurationSettings;
import dev.pretrain.batch.curate.DocumentCurator;
import dev.pretrain.db.Database;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.curation.CurationRepository;
import dev.pretrain.db.documents.DocumentRepository;
import dev.pretrain.db.documents.SourceRepository;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.db.storage.RunObjectKeys;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.batch.core.configuration.annotation.JobScope;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.item.ItemProcessor;
import org.springframework.batch.infrastructure.item.support.CompositeItemProcessor;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Ingest of one partition, in two steps:
 * <ol>
 *   <li>{@value #RECORDS_STEP}: {@link IngestRecordReader} (files -> raw lines/records) ->
 *       {@link IngestRecordProcessor} (validate, normalize, hash; or quarantine/reject with a reason) ->
 *       {@link IngestCurationProcessor} (quality filters, language ID, PII; or filter out with the rule) ->
 *       {@link IngestShardWriter} (document shards + quarantine file, documents rows);
 *   <li>{@value #FINISH_STEP}: upload the last shard and the quarantine file, record the inputs,
 *       lineage edges and quarantine rows.
 * </ol>
 * The writer is job-scoped because both steps use it; reader, processor and listener are step-scoped.
 * Launched through {@link IngestJob#run}; the beans find the request in the launch. The finish step
 * leaves the partition's counts and shard count in its ExecutionContext, under the keys below.
 */
@Configuration
public class IngestJobConfig {

  public static final String JOB_NAME = "ingestJob";
  public static final String RECORDS_STEP = "ingest-records";
  public static final String FINISH_STEP = "ingest-finish";
  // Memory per chunk is about CHUNK_SIZE x record size; records are capped (IngestJob.Request#maxRecordBytes).
  static final int CHUNK_SIZE = 200;

  public static final String RECORDS_IN = "recordsIn";
  public static final String KEPT = "kept";
  public static final String REJECTED = "rejected";
  public static final String QUARANTINED = "quarantined";
  public static final String BYTES_IN = "bytesIn";
  /** Document shards uploaded, numbered from 0 ({@link RunObjectKeys#ingestShard}). */
  public static final String DOCUMENT_SHARDS = "documentShards";
  /** 1 when a quarantine shard was uploaded ({@link RunObjectKeys#ingestQuarantine}), else 0. */
  public static final String QUARANTINE_SHARDS = "quarantineShards";
  public static final String FILTERED = "filtered";
  public static final String REDACTED = "redacted";
  /** 1 when a rejects shard was uploaded ({@link RunObjectKeys#ingestRejects}), else 0. */
  public static final String REJECTS_SHARDS = "rejectsShards";

  @Bean
  public Job ingestJob(JobRepository jobRepository,
      @Qualifier("ingestRecordsStep") Step records, @Qualifier("ingestFinishStep") Step finish) {
    return BatchJobRunner.newJob(JOB_NAME, jobRepository)
        .start(records)
        .next(finish)
        .build();
  }

  @Bean
  public Step ingestRecordsStep(JobRepository jobRepository, PlatformTransactionManager transactionManager,
      IngestRecordReader reader, IngestRecordProcessor processor, IngestCurationProcessor curation,
      IngestShardWriter writer, IngestProgressListener progress) {
    // validate, then curate: a composite keeps the chain one step, one pass over the records
    ItemProcessor<RawRecord, IngestOutcome> chain = new CompositeItemProcessor<>(List.of(processor, curation));
    return new StepBuilder(RECORDS_STEP, jobRepository)
        .<RawRecord, IngestOutcome>chunk(CHUNK_SIZE)
        .transactionManager(transactionManager)
        .reader(reader)
        .processor(chain)
        .writer(writer)
        .listener(progress)
        .build();
  }

  @Bean
  public Step ingestFinishStep(JobRepository jobRepository, PlatformTransactionManager transactionManager,
      IngestShardWriter writer) {
    return new StepBuilder(FINISH_STEP, jobRepository)
        .tasklet((contribution, context) -> {
          IngestJob.Result result = writer.finish();
          var ctx = contribution.getStepExecution().getExecutionContext();
          ctx.putLong(RECORDS_IN, result.recordsIn());
          ctx.putLong(KEPT, result.kept());
          ctx.putLong(REJECTED, result.rejected());
          ctx.putLong(QUARANTINED, result.quarantined());
          ctx.putLong(BYTES_IN, result.bytesIn());
          ctx.putInt(DOCUMENT_SHARDS, result.documentShards().size());
          ctx.putInt(QUARANTINE_SHARDS, result.quarantine() == null ? 0 : 1);
          ctx.putLong(FILTERED, result.filtered());
          ctx.putLong(REDACTED, result.redacted());
          ctx.putInt(REJECTS_SHARDS, result.rejects() == null ? 0 : 1);
          return RepeatStatus.FINISHED;
        }, transactionManager)
        .build();
  }

  @Bean
  @StepScope
  public IngestRecordReader ingestReader(ObjectStore store, IngestShardWriter writer, BatchJobRunner.Launches launches,
      @Value("#{jobParameters['launch']}") String launch) {
    IngestJob.Request request = IngestJob.launch(launches, launch).request();
    return new IngestRecordReader(request.inputs(), store, request.maxRecordBytes(),
        IngestJob.launch(launches, launch).scratchDir(), writer::inputFileRead);
  }

  @Bean
  @StepScope
  public IngestRecordProcessor ingestProcessor(Database database, BatchJobRunner.Launches launches,
      @Value("#{jobParameters['launch']}") String launch) {
    IngestJob.Request request = IngestJob.launch(launches, launch).request();
    if (!request.quarantineUnknownLicense()) {
      return new IngestRecordProcessor(request.defaultJurisdiction(), null, request.jurisdictionCheck());
    }
    SourceRepository sources = new SourceRepository(database.jdbc());
    return new IngestRecordProcessor(request.defaultJurisdiction(), source -> sources.license(source).orElse(null),
        request.jurisdictionCheck());
  }

  /** Curation after validation; with no curation settings in the request, documents pass unchanged. */
  @Bean
  @StepScope
  public IngestCurationProcessor ingestCurationProcessor(Database database, BatchJobRunner.Launches launches,
      @Value("#{jobParameters['launch']}") String launch) {
    CurationSettings settings = IngestJob.launch(launches, launch).request().curation();
    if (settings == null) {
      return new IngestCurationProcessor(null);
    }
    SourceRepository sources = new SourceRepository(database.jdbc());
    Map<String, Optional<String>> kinds = new ConcurrentHashMap<>();
    return new IngestCurationProcessor(new DocumentCurator(settings,
        source -> kinds.computeIfAbsent(source, sources::contentKind).orElse(null)));
  }

  @Bean
  @JobScope
  public IngestShardWriter ingestWriter(ObjectStore store, Database database, BatchJobRunner.Launches launches,
      @Value("#{jobParameters['launch']}") String launch) {
    var l = IngestJob.launch(launches, launch);
    return new IngestShardWriter(l.request(), l.scratchDir(), store, new DocumentRepository(database.jdbc()),
        new ArtifactRepository(database.jdbc()), new CurationRepository(database.jdbc()));
  }

  @Bean
  @StepScope
  public IngestProgressListener ingestProgressListener(IngestRecordReader reader, BatchJobRunner.Launches launches,
      @Value("#{jobParameters['launch']}") String launch) {
    return new IngestProgressListener(reader, IngestJob.launch(launches, launch).progress());
  }
}
