package dev.pretrain.activities.tokenize;

import static dev.pretrain.activities.ArtifactRefs.ref;
import static dev.pretrain.activities.ArtifactRefs.stored;

import dev.pretrain.activities.ActivityFailures;
import dev.pretrain.activities.PipelineServices;
import dev.pretrain.batch.tokenize.TokenizeJob;
import dev.pretrain.workflows.tokenize.TokenizeActivities;
import dev.pretrain.workflows.tokenize.TokenizeProgress;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;

/** Runs the tokenize batch job on one document shard, heartbeating after every chunk. */
public class TokenizeActivitiesImpl implements TokenizeActivities {

  private final PipelineServices services;

  public TokenizeActivitiesImpl(PipelineServices services) {
    this.services = services;
  }

  @Override
  public TokenizeResult tokenizeShard(TokenizeRequest request) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    return ActivityFailures.translated(() -> {
      TokenizeJob.Result r = TokenizeJob.run(services.batch(),
          new TokenizeJob.Request(request.runId(), request.bucket(), request.shardIndex(),
              stored(request.documentShard()),
              request.encoding(), request.valFraction(), request.heldOutSources(), ctx.getInfo().getAttempt()),
          documents -> ctx.heartbeat(new TokenizeProgress(request.shardIndex(), documents)));
      return new TokenizeResult(r.shardIndex(), r.documents(), r.trainDocuments(), r.valDocuments(), r.trainTokens(),
          r.valTokens(), r.bytesIn(), ref(r.trainBin()), ref(r.trainMap()), ref(r.valBin()), ref(r.valMap()));
    });
  }
}
