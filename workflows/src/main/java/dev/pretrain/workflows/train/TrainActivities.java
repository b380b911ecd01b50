package dev.pretrain.workflows.train;

import dev.pretrain.workflows.ArtifactRef;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

@ActivityInterface
public interface TrainActivities {

  /**
   * Trains the decoder of {@code params} on windows of the train token shards, checkpointing to
   * {@code runs/<runId>/train/ckpt-<step>.pt} every {@code checkpointEvery} steps and at the end, and
   * writes the final model to {@code runs/<runId>/train/model.pt}. A retry (or any new attempt of
   * the same run) continues from the newest usable checkpoint of the run, never from step 0.
   * Heartbeats {@link TrainProgress}.
   */
  @ActivityMethod
  TrainResult train(TrainRequest request);

  record TrainRequest(String runId, String bucket, List<ArtifactRef> trainShards, TrainParams params) {}

  /**
   * @param model            final weights ({@code model.pt}: the last checkpoint without optimizer state)
   * @param tokenRanges      JSON record of the shards and token ranges the run consumed
   * @param resumedFromStep  step the last attempt started from (0 for a fresh start)
   * @param checkpoints      checkpoints the run has in storage
   * @param lastLoss         training loss of the last step, or null when the last attempt trained no step
   * @param tokensPerSecond  median training throughput of the last attempt, or null as above
   * @param documentsSeen    documents with at least one token in a consumed window
   * @param device           where DJL trained (cpu(), gpu(0), ...)
   */
  record TrainResult(
      ArtifactRef model,
      ArtifactRef lastCheckpoint,
      ArtifactRef tokenRanges,
      long steps,
      long resumedFromStep,
      int checkpoints,
      long tokensSeen,
      long parameters,
      Double lastLoss,
      Double tokensPerSecond,
      long documentsSeen,
      String device) {}
}
