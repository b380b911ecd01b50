package dev.pretrain.workflows.quantize;

import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.evaluate.EvaluateActivities.EvaluateResult;
import dev.pretrain.workflows.train.TrainParams;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

@ActivityInterface
public interface QuantizeActivities {

  /**
   * Quantizes every weight matrix of the model to Q8_0 (norms stay fp32), writes
   * {@code runs/<runId>/quantize/model-q8_0.bin}, evaluates the dequantized model on the held-out
   * shards (label {@code q8_0}) and compares it with the fp32 model.
   */
  @ActivityMethod
  QuantizeResult quantize(QuantizeRequest request);

  /**
   * @param reference evaluation of the fp32 model on the same shards and params; null: evaluate it here
   * @param valShards null or empty: quantize only, no evaluation
   */
  record QuantizeRequest(
      String runId, String bucket, ArtifactRef model, TrainParams params, List<ArtifactRef> valShards,
      EvaluateResult reference, ArtifactRef tokenizer) {

    /** Shards tokenized with r50k (requests written before the run's own tokenizer existed). */
    public QuantizeRequest(String runId, String bucket, ArtifactRef model, TrainParams params,
        List<ArtifactRef> valShards, EvaluateResult reference) {
      this(runId, bucket, model, params, valShards, reference, null);
    }
  }

  /**
   * @param fp32Bytes      parameter bytes in fp32
   * @param quantizedBytes parameter bytes as stored (Q8_0 blocks + fp32 norms)
   * @param sizeRatio      quantizedBytes / fp32Bytes
   * @param quantized      evaluation of the dequantized model (null without validation data)
   * @param lossDelta      quantized loss - fp32 loss (nats per token), null without validation data
   */
  record QuantizeResult(
      ArtifactRef quantizedModel,
      ArtifactRef report,
      long fp32Bytes,
      long quantizedBytes,
      double sizeRatio,
      int quantizedTensors,
      int fp32Tensors,
      EvaluateResult fp32,
      EvaluateResult quantized,
      Double lossDelta) {}
}
