package dev.pretrain.activities.tokenize;

import static dev.pretrain.activities.ArtifactRefs.ref;
import static dev.pretrain.activities.ArtifactRefs.stored;

import dev.pretrain.activities.ActivityFailures;
import dev.pretrain.activities.PipelineServices;
import dev.pretrain.activities.ArtifactRefs;
import dev.pretrain.batch.tokenize.TokenizeJob;
import dev.pretrain.batch.tokenizer.TokenizerJob;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.workflows.tokenize.TokenizeActivities;
import dev.pretrain.workflows.tokenize.TokenizeProgress;
import dev.pretrain.workflows.tokenize.TokenizerProgress;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import java.util.List;

/**
 * Runs the tokenizer batch job (the run's own vocabulary) and the tokenize batch job on one document
 * shard, heartbeating after every chunk.
 */
public class TokenizeActivitiesImpl implements TokenizeActivities {

  private final PipelineServices services;

  public TokenizeActivitiesImpl(PipelineServices services) {
    this.services = services;
  }

  @Override
  public TokenizerResult trainTokenizer(TokenizerRequest request) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    return ActivityFailures.translated(() -> {
      List<ObjectStore.Stored> shards = request.documentShards().stream().map(ArtifactRefs::stored).toList();
      TokenizerJob.Result r = TokenizerJob.run(services.batch(),
          new TokenizerJob.Request(request.runId(), request.bucket(), shards, request.vocabSize(),
              request.sampleBytes(), request.seed(), request.minFrequency(), request.valFraction(),
              request.heldOutSources(), ctx.getInfo().getAttempt()),
          documents -> ctx.heartbeat(new TokenizerProgress(documents)));
      long bytesIn = shards.stream().mapToLong(ObjectStore.Stored::sizeBytes).sum();
      return new TokenizerResult(ref(r.tokenizer()), ref(r.sample()), ref(r.card()), r.vocabSize(), r.merges(),
          r.sampleDocuments(), r.sampleBytes(), r.candidates(), r.candidateBytes(), r.heldOut(), r.trainMillis(),
          bytesIn);
    });
  }

  @Override
  public TokenizeResult tokenizeShard(TokenizeRequest request) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    return ActivityFailures.translated(() -> {
      TokenizeJob.Result r = TokenizeJob.run(services.batch(),
          new TokenizeJob.Request(request.runId(), request.bucket(), request.shardIndex(),
              stored(request.documentShard()), request.encoding(),
              request.tokenizer() == null ? null : stored(request.tokenizer()), request.valFraction(),
              request.heldOutSources(), ctx.getInfo().getAttempt()),
          documents -> ctx.heartbeat(new TokenizeProgress(request.shardIndex(), documents)));
      return new TokenizeResult(r.shardIndex(), r.documents(), r.trainDocuments(), r.valDocuments(), r.trainTokens(),
          r.valTokens(), r.bytesIn(), ref(r.trainBin()), ref(r.trainMap()), ref(r.valBin()), ref(r.valMap()));
    });
  }
}
