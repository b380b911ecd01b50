package dev.pretrain.activities.evaluate;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.pretrain.activities.ActivityFailures;
import dev.pretrain.activities.ArtifactCache;
import dev.pretrain.activities.PipelineServices;
import dev.pretrain.activities.WorkDirs;
import dev.pretrain.activities.train.Checkpoint;
import dev.pretrain.activities.train.LlamaModel;
import dev.pretrain.activities.train.ModelConfig;
import dev.pretrain.activities.train.ModelRuntime;
import dev.pretrain.db.storage.RunObjectKeys;
import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.StepNames;
import dev.pretrain.workflows.evaluate.EvaluateActivities;
import dev.pretrain.workflows.evaluate.EvaluateProgress;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The evaluate step: a model (or the untrained initialisation) on the held-out split. Report in
 * {@code runs/<runId>/evaluate/<label>.json} (kind {@code eval-report}, made from the model and the
 * val shards read), metrics in the {@code evaluations} table.
 */
public class EvaluateActivitiesImpl implements EvaluateActivities {

  private static final Logger log = LoggerFactory.getLogger(EvaluateActivitiesImpl.class);
  private static final Pattern LABEL = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

  private final PipelineServices services;

  public EvaluateActivitiesImpl(PipelineServices services) {
    this.services = services;
  }

  @Override
  public EvaluateResult evaluate(EvaluateRequest request) {
    ActivityExecutionContext ctx = Activity.getExecutionContext();
    Path scratch = services.workDir().resolve("evaluate").resolve(request.runId() + "-" + request.label());
    try {
      return ActivityFailures.translated(() -> run(request, ctx, scratch));
    } finally {
      WorkDirs.deleteQuietly(scratch);
    }
  }

  private EvaluateResult run(EvaluateRequest request, ActivityExecutionContext ctx, Path scratch) throws IOException {
    String label = request.label();
    if (label == null || !LABEL.matcher(label).matches()) {
      throw new IllegalArgumentException("evaluation label must match " + LABEL + ", got '" + label + "'");
    }
    ModelConfig mc = ModelRuntime.modelConfig(request.params());
    ModelRuntime.checkEval(request.params());
    Engine engine = ModelRuntime.init(services);
    ArtifactCache cache = ArtifactCache.of(services);
    HeldOut.Data data = HeldOut.prepare(services, cache, request.valShards(), request.params(), scratch,
        () -> ctx.heartbeat(new EvaluateProgress(label, 0)), request.tokenizer());
    ArtifactRef modelRef = request.model();
    Evaluator.Result r;
    long t0 = System.nanoTime();
    try (NDManager manager = engine.newBaseManager();
        LlamaModel model = modelRef == null ? LlamaModel.create(mc, manager)
            : Checkpoint.loadModel(cache.fetch(modelRef), manager)) {
      r = HeldOut.evaluate(model, data, request.params(), tokens -> ctx.heartbeat(new EvaluateProgress(label, tokens)));
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    log.info("run {} evaluate {} ({}): {} in {} s", request.runId(), label,
        modelRef == null ? "untrained" : modelRef.uri(), r, String.format("%.1f", seconds));
    List<String> inputs = new ArrayList<>();
    if (modelRef != null) {
      inputs.add(modelRef.uri());
    }
    data.shards().forEach(s -> inputs.add(s.uri()));
    return HeldOut.publish(services, request.runId(), request.bucket(), StepNames.EVALUATE, label,
        RunObjectKeys.evaluateReport(request.runId(), label), modelRef == null ? null : modelRef.uri(), inputs, data,
        request.params(), r, Map.of("seconds", seconds), scratch);
  }
}
