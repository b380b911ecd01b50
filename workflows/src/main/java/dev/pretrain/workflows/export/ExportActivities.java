package dev.pretrain.workflows.export;

import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.evaluate.EvaluateActivities.EvaluateResult;
import dev.pretrain.workflows.train.TrainParams;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

@ActivityInterface
public interface ExportActivities {

  /**
   * Writes the trained model with the run's own tokenizer as GGUF files that llama.cpp loads
   * ({@code runs/<runId>/export/model-<type>.gguf}, llama architecture, tokenizer {@code gpt2} /
   * {@code llama-bpe}), one per type, each recorded as an artifact made from the model and the tokenizer;
   * with held-out shards, each type is evaluated through the weights as its file holds them.
   */
  @ActivityMethod
  ExportResult exportGguf(ExportRequest request);

  /**
   * @param model     the trained model (train's {@code model.pt})
   * @param tokenizer the run's tokenizer.json
   * @param types     GGUF file types: {@code f32}, {@code f16}, {@code q8_0}, {@code q4_0}
   * @param params    the run's model and evaluation settings (how the held-out split is read)
   * @param valShards the held-out token shards: each type is evaluated on them through the weights as its
   *                  file holds them; null or empty: no evaluation
   * @param reference the fp32 model's evaluation on the same shards (the evaluate step's), for the deltas
   */
  record ExportRequest(String runId, String bucket, ArtifactRef model, ArtifactRef tokenizer, List<String> types,
      TrainParams params, List<ArtifactRef> valShards, EvaluateResult reference) {

    /** Without evaluation. */
    public ExportRequest(String runId, String bucket, ArtifactRef model, ArtifactRef tokenizer, List<String> types) {
      this(runId, bucket, model, tokenizer, types, null, null, null);
    }
  }

  /** One file per asked type, in the order asked. */
  /**
   * @param evaluationReport the run's evaluation report (JSON; {@code evaluationHtml} the page), null without evaluation
   * @param modelCard        the model card (JSON; {@code modelCardMarkdown} the Markdown), null without evaluation
   */
  record ExportResult(List<ExportedFile> files, ArtifactRef evaluationReport, ArtifactRef evaluationHtml,
      ArtifactRef modelCard, ArtifactRef modelCardMarkdown) {

    /** Without report and card (results recorded before them). */
    public ExportResult(List<ExportedFile> files) {
      this(files, null, null, null, null);
    }
  }

  /**
   * @param quantizedTensors tensors stored in the file's block type (the others F32 norms or, for rows
   *                         that are not whole blocks, F16)
   */
  record ExportedFile(String type, ArtifactRef file, int tensors, int quantizedTensors, Double loss,
      Double bitsPerByte, Double lossDelta) {

    public ExportedFile(String type, ArtifactRef file, int tensors, int quantizedTensors) {
      this(type, file, tensors, quantizedTensors, null, null, null);
    }
  }
}
