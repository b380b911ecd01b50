package dev.pretrain.activities.tokenize;

import dev.pretrain.activities.PipelineServices;
import dev.pretrain.batch.tokenize.TokenizeJob;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.tokenize.TokenizeActivities;
import dev.pretrain.workflows.tokenize.TokenizeProgress;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCompletionException;
import io.temporal.failure.ApplicationFailure;

/** Runs the tokenize batch job on one document shard, heartbeating after every chunk. */
public class TokenizeActivitiesImpl implements TokenizeActivities {

  private final PipelineServices services;

  public TokenizeActivitiesImpl(PipelineServices services) {
    this.services = services;
  }

  @Override
  public TokenizeResult tokenizeShard(TokenizeRequest request) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    try {
      ArtifactRef in = request.documentShard();
      TokenizeJob.Result r = TokenizeJob.run(services.batch(),
          new TokenizeJob.Request(request.runId(), request.bucket(), request.shardIndex(),
              in == null ? null : new ObjectStore.Stored(in.bucket(), in.key(), in.sha256(), in.sizeBytes()),
              request.encoding(), request.valFraction(), request.heldOutSources(), ctx.getInfo().getAttempt()),
          documents -> ctx.heartbeat(new TokenizeProgress(request.shardIndex(), documents)));
      return new TokenizeResult(r.shardIndex(), r.documents(), r.trainDocuments(), r.valDocuments(), r.trainTokens(),
          r.valTokens(), r.bytesIn(), ref(r.trainBin()), ref(r.trainMap()), ref(r.valBin()), ref(r.valMap()));
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

  private static ArtifactRef ref(ObjectStore.Stored s) {
    return s == null ? null : new ArtifactRef(s.uri(), s.sha256(), s.sizeBytes());
  }
}
