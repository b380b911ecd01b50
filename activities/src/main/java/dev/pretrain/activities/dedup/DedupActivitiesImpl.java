package dev.pretrain.activities.dedup;

import dev.pretrain.activities.PipelineServices;
import dev.pretrain.batch.dedup.DedupJob;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.dedup.DedupActivities;
import dev.pretrain.workflows.dedup.DedupProgress;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCompletionException;
import io.temporal.failure.ApplicationFailure;
import java.util.List;

/** Runs the dedup batch job over all document shards of a run, heartbeating after every chunk. */
public class DedupActivitiesImpl implements DedupActivities {

  private final PipelineServices services;

  public DedupActivitiesImpl(PipelineServices services) {
    this.services = services;
  }

  @Override
  public DedupResult dedup(DedupRequest request) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    try {
      List<ObjectStore.Stored> shards = request.documentShards().stream().map(DedupActivitiesImpl::stored).toList();
      DedupJob.Result r = DedupJob.run(services.batch(),
          new DedupJob.Request(request.runId(), request.bucket(), shards, ctx.getInfo().getAttempt()),
          documents -> ctx.heartbeat(new DedupProgress(documents)));
      return new DedupResult(r.documentsIn(), r.kept(), r.duplicates(), r.bytesIn(),
          r.outputShards().stream().map(DedupActivitiesImpl::ref).toList());
    } catch (IllegalArgumentException e) {
      throw ApplicationFailure.newNonRetryableFailureWithCause(e.getMessage(), "BadParameter", e);
    } catch (RuntimeException e) {
      // a cancelled heartbeat surfaces as a job failure; give Temporal its own exception back
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof ActivityCompletionException completion) {
          throw completion;
        }
      }
      throw e;
    }
  }

  private static ObjectStore.Stored stored(ArtifactRef ref) {
    return new ObjectStore.Stored(ref.bucket(), ref.key(), ref.sha256(), ref.sizeBytes());
  }

  private static ArtifactRef ref(ObjectStore.Stored s) {
    return new ArtifactRef(s.uri(), s.sha256(), s.sizeBytes());
  }
}
