package dev.pretrain.workflows.evaluate;

import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.train.TrainParams;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

@ActivityInterface
public interface EvaluateActivities {

  /**
   * Validation loss, perplexity and bits per byte of a model on the held-out token shards (at most
   * {@code params.evalMaxTokens()} of them). Writes a JSON report to
   * {@code runs/<runId>/evaluate/<label>.json} and an {@code evaluations} row (run, label).
   */
  @ActivityMethod
  EvaluateResult evaluate(EvaluateRequest request);

  /**
   * @param label  names the evaluation within the run: {@code initial}, {@code final}, ...
   * @param model     a model or checkpoint artifact; null evaluates the untrained model that
   *                  {@code params} initialises (what training starts from)
   * @param tokenizer the run's own tokenizer.json, whose token lengths count the bytes; null: r50k (GPT-2)
   */
  record EvaluateRequest(String runId, String bucket, String label, ArtifactRef model, TrainParams params,
      List<ArtifactRef> valShards, ArtifactRef tokenizer) {

    /** Shards tokenized with r50k (requests written before the run's own tokenizer existed). */
    public EvaluateRequest(String runId, String bucket, String label, ArtifactRef model, TrainParams params,
        List<ArtifactRef> valShards) {
      this(runId, bucket, label, model, params, valShards, null);
    }
  }

  /**
   * @param modelUri  the model evaluated, null for the untrained one
   * @param tokens    predicted tokens
   * @param bytes     UTF-8 bytes of those tokens
   */
  record EvaluateResult(
      String label,
      String modelUri,
      ArtifactRef report,
      double loss,
      double perplexity,
      double bitsPerByte,
      long tokens,
      long bytes) {}
}
