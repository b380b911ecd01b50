package dev.pretrain.activities.ingest;

import dev.pretrain.activities.PipelineServices;
import dev.pretrain.batch.ingest.IngestInputException;
import dev.pretrain.batch.ingest.IngestJob;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.ingest.IngestActivities;
import dev.pretrain.workflows.ingest.IngestPartition;
import dev.pretrain.workflows.ingest.IngestProgress;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCompletionException;
import io.temporal.failure.ApplicationFailure;
import java.util.List;

/**
 * Plans the ingest partitions of a run and runs the ingest batch job over one partition,
 * heartbeating after every chunk. Bad input fails fast (non-retryable, type {@value #BAD_INPUT});
 * storage and database faults are thrown as they are, for Temporal to retry.
 */
public class IngestActivitiesImpl implements IngestActivities {

  public static final String BAD_INPUT = "BadInput";
  public static final String BAD_PARAMETER = "BadParameter";

  private final PipelineServices services;

  public IngestActivitiesImpl(PipelineServices services) {
    this.services = services;
  }

  @Override
  public List<IngestPartition> planIngest(PlanRequest request) {
    try {
      return new IngestPlanner(services.store()).plan(request.inputs(), request.targetPartitionBytes());
    } catch (IngestInputException e) {
      throw ApplicationFailure.newNonRetryableFailureWithCause(e.getMessage(), BAD_INPUT, e);
    }
  }

  @Override
  public PartitionResult ingestPartition(PartitionRequest request) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    try {
      if (!services.store().bucketExists(request.bucket())) {
        throw new IngestInputException("output bucket '" + request.bucket() + "' does not exist at "
            + services.store().endpoint());
      }
      IngestPartition partition = request.partition();
      IngestJob.Request job = new IngestJob.Request(request.runId(), partition.index(), ctx.getInfo().getAttempt(),
          request.bucket(), partition.files().stream().map(f -> new IngestJob.Input(f.uri(), f.sizeBytes())).toList(),
          request.shardTargetBytes(), request.defaultJurisdiction());
      long partitionBytes = partition.files().stream().mapToLong(f -> f.sizeBytes()).sum();
      IngestJob.Result r = IngestJob.run(services.batch(), job,
          (records, bytes) -> ctx.heartbeat(new IngestProgress(records, bytes, partitionBytes)));
      return new PartitionResult(r.partition(), r.recordsIn(), r.kept(), r.rejected(), r.quarantined(), r.bytesIn(),
          r.documentShards().stream().map(IngestActivitiesImpl::ref).toList(),
          r.quarantine() == null ? null : ref(r.quarantine()));
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailureWithCause(e.getMessage(), BAD_PARAMETER, e);
    } catch (RuntimeException e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof ActivityCompletionException completion) {
          throw completion; // a cancelled heartbeat surfaces as a job failure; give Temporal its own exception back
        }
        if (t instanceof IngestInputException bad) {
          throw ApplicationFailure.newNonRetryableFailureWithCause(bad.getMessage(), BAD_INPUT, bad);
        }
      }
      throw e;
    }
  }

  private static ArtifactRef ref(ObjectStore.Stored s) {
    return new ArtifactRef(s.uri(), s.sha256(), s.sizeBytes());
  }
}
