package dev.pretrain.workflows.export;

import dev.pretrain.workflows.ArtifactRef;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

@ActivityInterface
public interface ExportActivities {

  /**
   * Writes the trained model with the run's own tokenizer as GGUF files that llama.cpp loads
   * ({@code runs/<runId>/export/model-<type>.gguf}, llama architecture, tokenizer {@code gpt2} /
   * {@code llama-bpe}), one per type, each recorded as an artifact made from the model and the tokenizer.
   */
  @ActivityMethod
  ExportResult exportGguf(ExportRequest request);

  /**
   * @param model     the trained model (train's {@code model.pt})
   * @param tokenizer the run's tokenizer.json
   * @param types     GGUF file types: {@code f32}, {@code f16}, {@code q8_0}, {@code q4_0}
   */
  record ExportRequest(String runId, String bucket, ArtifactRef model, ArtifactRef tokenizer, List<String> types) {}

  /** One file per asked type, in the order asked. */
  record ExportResult(List<ExportedFile> files) {}

  /**
   * @param quantizedTensors tensors stored in the file's block type (the others F32 norms or, for rows
   *                         that are not whole blocks, F16)
   */
  record ExportedFile(String type, ArtifactRef file, int tensors, int quantizedTensors) {}
}
