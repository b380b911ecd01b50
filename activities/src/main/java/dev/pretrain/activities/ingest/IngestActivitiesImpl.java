package dev.pretrain.activities.ingest;

import static dev.pretrain.activities.ArtifactRefs.ref;

import dev.pretrain.activities.ActivityFailures;
import dev.pretrain.activities.ArtifactRefs;
import dev.pretrain.activities.PipelineServices;
import dev.pretrain.batch.curate.CurationSettings;
import dev.pretrain.batch.ingest.IngestInputException;
import dev.pretrain.batch.ingest.IngestJob;
import dev.pretrain.workflows.ingest.CurateParams;
import dev.pretrain.workflows.ingest.IngestActivities;
import dev.pretrain.workflows.ingest.IngestPartition;
import dev.pretrain.workflows.ingest.IngestProgress;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import java.util.List;
import java.util.Set;

/**
 * Plans the ingest partitions of a run and runs the ingest batch job over one partition,
 * heartbeating after every chunk. Bad input fails fast (see {@link ActivityFailures}); storage and
 * database faults are thrown as they are, and retried for minutes (see StepRetryInterceptor).
 */
public class IngestActivitiesImpl implements IngestActivities {

  private final PipelineServices services;

  public IngestActivitiesImpl(PipelineServices services) {
    this.services = services;
  }

  @Override
  public List<IngestPartition> planIngest(PlanRequest request) {
    return ActivityFailures.translated(
        () -> new IngestPlanner(services.store()).plan(request.inputs(), request.targetPartitionBytes()));
  }

  @Override
  public PartitionResult ingestPartition(PartitionRequest request) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    return ActivityFailures.translated(() -> {
      if (!services.store().bucketExists(request.bucket())) {
        throw new IngestInputException("output bucket '" + request.bucket() + "' does not exist at "
            + services.store().endpoint());
      }
      IngestPartition partition = request.partition();
      IngestJob.Request job = new IngestJob.Request(request.runId(), partition.index(), ctx.getInfo().getAttempt(),
          request.bucket(), partition.files().stream().map(f -> new IngestJob.Input(f.uri(), f.sizeBytes())).toList(),
          request.shardTargetBytes(), request.defaultJurisdiction(), IngestJob.DEFAULT_MAX_RECORD_BYTES,
          Boolean.TRUE.equals(request.quarantineUnknownLicense()), curation(request.curate()),
          request.jurisdictions() == null ? null : request.jurisdictions()::refusal);
      long partitionBytes = partition.files().stream().mapToLong(f -> f.sizeBytes()).sum();
      IngestJob.Result r = IngestJob.run(services.batch(), job,
          (records, bytes) -> ctx.heartbeat(new IngestProgress(records, bytes, partitionBytes)));
      return new PartitionResult(r.partition(), r.recordsIn(), r.kept(), r.rejected(), r.quarantined(), r.bytesIn(),
          r.documentShards().stream().map(ArtifactRefs::ref).toList(), ref(r.quarantine()), r.filtered(),
          r.redacted(), ref(r.rejects()));
    });
  }

  /** The batch job's curation settings for a run's; null (no curation) stays null. */
  static CurationSettings curation(CurateParams p) {
    return p == null || !p.any() ? null : new CurationSettings(p.filters(), p.languageId(), p.pii(),
        p.minLanguageConfidence(), p.languages(), Set.copyOf(p.docsSources()));
  }
}
