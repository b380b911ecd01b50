package dev.pretrain.activities.quantize;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.pretrain.activities.ActivityFailures;
import dev.pretrain.activities.ArtifactCache;
import dev.pretrain.activities.ArtifactRefs;
import dev.pretrain.activities.PipelineServices;
import dev.pretrain.activities.WorkDirs;
import dev.pretrain.activities.evaluate.Evaluator;
import dev.pretrain.activities.evaluate.HeldOut;
import dev.pretrain.activities.train.Checkpoint;
import dev.pretrain.activities.train.LlamaModel;
import dev.pretrain.activities.train.ModelRuntime;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.db.storage.RunObjectKeys;
import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.StepNames;
import dev.pretrain.workflows.evaluate.EvaluateActivities.EvaluateResult;
import dev.pretrain.workflows.quantize.QuantizeActivities;
import dev.pretrain.workflows.quantize.QuantizeProgress;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The quantize step: Q8_0 weights in {@code runs/<runId>/quantize/model-q8_0.bin} ({@link Q8File},
 * kind {@code quantized-model}, made from the model), then the dequantized model on the held-out
 * split: report {@code runs/<runId>/quantize/report.json} with the size ratio and the loss delta
 * against the fp32 model, and an {@code evaluations} row labelled {@code q8_0}.
 */
public class QuantizeActivitiesImpl implements QuantizeActivities {

  private static final Logger log = LoggerFactory.getLogger(QuantizeActivitiesImpl.class);

  public static final String QUANTIZED_KIND = "quantized-model";
  public static final String LABEL = "q8_0";

  private final PipelineServices services;

  public QuantizeActivitiesImpl(PipelineServices services) {
    this.services = services;
  }

  @Override
  public QuantizeResult quantize(QuantizeRequest request) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    Path scratch = services.workDir().resolve("quantize").resolve(request.runId());
    try {
      return ActivityFailures.translated(() -> run(request, ctx, scratch));
    } finally {
      WorkDirs.deleteQuietly(scratch);
    }
  }

  private QuantizeResult run(QuantizeRequest request, ActivityExecutionContext ctx, Path scratch) throws IOException {
    if (request.model() == null) {
      throw new IllegalArgumentException("no model to quantize");
    }
    ModelRuntime.checkEval(request.params());
    String runId = request.runId();
    Engine engine = ModelRuntime.init(services);
    ArtifactCache cache = ArtifactCache.of(services);
    Files.createDirectories(scratch);
    ArtifactRef modelRef = request.model();
    boolean evaluate = request.valShards() != null && !request.valShards().isEmpty();
    try (NDManager manager = engine.newBaseManager();
        LlamaModel model = Checkpoint.loadModel(cache.fetch(modelRef), manager)) {
      QuantizedModel q = QuantizedModel.quantize(model);
      Path file = scratch.resolve("model-q8_0.bin");
      Q8File.write(file, q);
      ObjectStore.Stored stored = services.store().putFile(request.bucket(), RunObjectKeys.quantizedModel(runId),
          file, "application/octet-stream");
      new ArtifactRepository(services.database().jdbc()).record(new ArtifactRepository.Artifact(stored.uri(),
          stored.sha256(), stored.sizeBytes(), QUANTIZED_KIND, runId, StepNames.QUANTIZE, services.store().endpoint(),
          services.store().region(), Instant.now()), List.of(modelRef.uri()));
      ArtifactRef quantized = ArtifactRefs.ref(stored);
      ctx.heartbeat(new QuantizeProgress("quantized", 0));
      long nq = q.tensors().values().stream().filter(QuantizedModel.Tensor::quantized).count();
      int quantizedTensors = (int) nq;
      int fp32Tensors = q.tensors().size() - quantizedTensors;
      double ratio = (double) q.quantizedBytes() / q.fp32Bytes();
      log.info("run {} quantized {}: {} -> {} parameter bytes (ratio {}), file {} bytes", runId, modelRef.uri(),
          q.fp32Bytes(), q.quantizedBytes(), String.format("%.4f", ratio), stored.sizeBytes());
      if (!evaluate) {
        return new QuantizeResult(quantized, null, q.fp32Bytes(), q.quantizedBytes(), ratio, quantizedTensors,
            fp32Tensors, null, null, null);
      }

      HeldOut.Data data = HeldOut.prepare(services, cache, request.valShards(), request.params(), scratch,
          () -> ctx.heartbeat(new QuantizeProgress("download", 0)), request.tokenizer());
      EvaluateResult fp32 = request.reference();
      if (fp32 == null || fp32.tokens() == 0) {
        Evaluator.Result r = HeldOut.evaluate(model, data, request.params(),
            n -> ctx.heartbeat(new QuantizeProgress("fp32", n)));
        fp32 = new EvaluateResult("fp32", modelRef.uri(), null, r.loss(), r.perplexity(), r.bitsPerByte(), r.tokens(),
            r.bytes());
      }
      Evaluator.Result r8;
      try (LlamaModel restored = q.dequantize(manager)) {
        r8 = HeldOut.evaluate(restored, data, request.params(), n -> ctx.heartbeat(new QuantizeProgress(LABEL, n)));
      }
      if (r8.tokens() != fp32.tokens()) {
        throw new IllegalArgumentException("the reference evaluation read " + fp32.tokens() + " tokens, the quantized "
            + "one " + r8.tokens() + ": they must use the same held-out data and params");
      }
      double delta = r8.loss() - fp32.loss();
      Map<String, Object> extra = new LinkedHashMap<>();
      extra.put("quantization", "Q8_0: every weight matrix in blocks of 32 int8 + fp16 scale, per row; norms fp32");
      extra.put("quantizedModel", quantized.uri());
      extra.put("fp32Model", modelRef.uri());
      extra.put("fp32Bytes", q.fp32Bytes());
      extra.put("quantizedBytes", q.quantizedBytes());
      extra.put("fileBytes", stored.sizeBytes());
      extra.put("sizeRatio", ratio);
      extra.put("quantizedTensors", quantizedTensors);
      extra.put("fp32Tensors", fp32Tensors);
      extra.put("fp32Loss", fp32.loss());
      extra.put("fp32BitsPerByte", fp32.bitsPerByte());
      extra.put("lossDelta", delta);
      List<String> inputs = new ArrayList<>(List.of(quantized.uri()));
      data.shards().forEach(s -> inputs.add(s.uri()));
      EvaluateResult q8 = HeldOut.publish(services, runId, request.bucket(), StepNames.QUANTIZE, LABEL,
          RunObjectKeys.quantizeReport(runId), quantized.uri(), inputs, data, request.params(), r8, extra, scratch);
      log.info("run {} q8_0 loss {} vs fp32 {} (delta {}), {} bits/byte", runId, String.format("%.5f", r8.loss()),
          String.format("%.5f", fp32.loss()), String.format("%+.5f", delta), String.format("%.4f", r8.bitsPerByte()));
      return new QuantizeResult(quantized, q8.report(), q.fp32Bytes(), q.quantizedBytes(), ratio, quantizedTensors,
          fp32Tensors, fp32, q8, delta);
    }
  }
}
