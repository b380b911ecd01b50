package dev.pretrain.activities.dedup;

import dev.pretrain.activities.ActivityFailures;
import dev.pretrain.activities.ArtifactRefs;
import dev.pretrain.activities.PipelineServices;
import dev.pretrain.batch.dedup.DedupJob;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.workflows.dedup.DedupActivities;
import dev.pretrain.workflows.dedup.DedupProgress;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
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
    return ActivityFailures.translated(() -> {
      List<ObjectStore.Stored> shards = request.documentShards().stream().map(ArtifactRefs::stored).toList();
      DedupJob.Result r = DedupJob.run(services.batch(),
          new DedupJob.Request(request.runId(), request.bucket(), shards, ctx.getInfo().getAttempt()),
          documents -> ctx.heartbeat(new DedupProgress(documents)));
      return new DedupResult(r.documentsIn(), r.kept(), r.duplicates(), r.bytesIn(),
          r.outputShards().stream().map(ArtifactRefs::ref).toList());
    });
  }
}
