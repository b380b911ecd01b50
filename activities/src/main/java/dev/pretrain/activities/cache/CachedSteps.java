package dev.pretrain.activities.cache;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pretrain.workflows.StepNames;
import dev.pretrain.workflows.dedup.DedupActivities;
import dev.pretrain.workflows.evaluate.EvaluateActivities;
import dev.pretrain.workflows.ingest.IngestActivities;
import dev.pretrain.workflows.quantize.QuantizeActivities;
import dev.pretrain.workflows.tokenize.TokenizeActivities;
import dev.pretrain.workflows.train.TrainActivities;
import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The activities whose results the step cache keeps, the pipeline step each belongs to, and the code
 * version of that step. Bump a version when the step's output for the same input changes (a new
 * shard format, a fixed bug): older cache entries then stop matching. Planning (listing inputs) and
 * the ledger are never cached.
 */
public final class CachedSteps {

  /** One cached activity type. */
  public record Spec(String activityType, String codeVersion, Class<?> resultType, Function<JsonNode, String> stepOf) {}

  private static final Map<String, Spec> BY_TYPE = new HashMap<>();

  static {
    // ingest-3: each run's own document rows (run_documents), which a cache hit from an older version lacks
    add(IngestActivities.class, "ingestPartition", "ingest-3", request -> StepNames.INGEST);
    add(DedupActivities.class, "dedup", "dedup-1", request -> StepNames.DEDUP);
    // the partitioned dedup's stages: each a function of its request (its inputs are S3 objects it names)
    for (String stage : new String[] {"hashShard", "exactPartition", "bucketPartition", "verifyPartition", "components",
        "decontaminationIndex", "filterGroup"}) {
      add(DedupActivities.class, stage, "dedup-2", request -> StepNames.DEDUP);
    }
    add(TokenizeActivities.class, "trainTokenizer", "tokenizer-1", request -> StepNames.TOKENIZER);
    add(TokenizeActivities.class, "tokenizeShard", "tokenize-1", request -> StepNames.TOKENIZE);
    // train-2: tokens read per document and the model's composition (the audit report's source of truth)
    add(TrainActivities.class, "train", "train-2", request -> StepNames.TRAIN);
    // the untrained model's evaluation is part of the train step; the trained one's is the evaluate step
    add(EvaluateActivities.class, "evaluate", "evaluate-2",
        request -> "initial".equals(request.path("label").asText()) ? StepNames.TRAIN : StepNames.EVALUATE);
    add(QuantizeActivities.class, "quantize", "quantize-2", request -> StepNames.QUANTIZE);
    add(dev.pretrain.workflows.export.ExportActivities.class, "exportGguf", "export-2", request -> StepNames.EXPORT);
  }

  private CachedSteps() {}

  public static Optional<Spec> forActivityType(String activityType) {
    return Optional.ofNullable(BY_TYPE.get(activityType));
  }

  private static void add(Class<?> activities, String methodName, String version, Function<JsonNode, String> stepOf) {
    for (Method m : activities.getMethods()) {
      if (m.getName().equals(methodName)) {
        // the SDK's default activity type: the method name with its first letter in upper case
        String type = Character.toUpperCase(methodName.charAt(0)) + methodName.substring(1);
        BY_TYPE.put(type, new Spec(type, version, m.getReturnType(), stepOf));
        return;
      }
    }
    throw new IllegalStateException(activities.getSimpleName() + " has no method " + methodName);
  }
}
