package dev.pretrain.ops.watch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pretrain.workflows.dedup.DedupActivities;
import dev.pretrain.workflows.dedup.DedupProgress;
import dev.pretrain.workflows.evaluate.EvaluateActivities;
import dev.pretrain.workflows.evaluate.EvaluateProgress;
import dev.pretrain.workflows.ingest.IngestActivities;
import dev.pretrain.workflows.ingest.IngestProgress;
import dev.pretrain.workflows.quantize.QuantizeActivities;
import dev.pretrain.workflows.quantize.QuantizeProgress;
import dev.pretrain.workflows.tokenize.TokenizeActivities;
import dev.pretrain.workflows.tokenize.TokenizeProgress;
import dev.pretrain.workflows.tokenize.TokenizerProgress;
import dev.pretrain.workflows.train.TrainActivities;
import dev.pretrain.workflows.train.TrainProgress;
import io.temporal.api.common.v1.Payloads;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.metadata.POJOActivityInterfaceMetadata;
import io.temporal.common.metadata.POJOActivityMethodMetadata;
import java.util.Map;
import java.util.Optional;

/**
 * Decodes the heartbeat details of an activity in flight into the progress record that the step's
 * contract declares for it ({@link IngestProgress}, {@link TrainProgress}, ...), chosen by the
 * activity type. Details of other activities, or that do not fit their record (a worker of another
 * version), are kept as JSON.
 */
final class HeartbeatDetailsDecoder {

  private static final Map<String, Class<? extends Record>> PROGRESS_BY_ACTIVITY_TYPE = Map.of(
      activityType(IngestActivities.class, "ingestPartition"), IngestProgress.class,
      activityType(DedupActivities.class, "dedup"), DedupProgress.class,
      activityType(TokenizeActivities.class, "tokenizeShard"), TokenizeProgress.class,
      activityType(TokenizeActivities.class, "trainTokenizer"), TokenizerProgress.class,
      activityType(TrainActivities.class, "train"), TrainProgress.class,
      activityType(EvaluateActivities.class, "evaluate"), EvaluateProgress.class,
      activityType(QuantizeActivities.class, "quantize"), QuantizeProgress.class);

  private final DataConverter converter;

  HeartbeatDetailsDecoder(DataConverter converter) {
    this.converter = converter;
  }

  /** The progress record an activity of this type heartbeats, if it has one. */
  static Optional<Class<? extends Record>> progressType(String activityType) {
    return Optional.ofNullable(PROGRESS_BY_ACTIVITY_TYPE.get(activityType));
  }

  /** The first heartbeat detail: the activity type's progress record, else JSON; null when there is none. */
  Object decode(String activityType, Payloads details) {
    if (details.getPayloadsCount() == 0) {
      return null;
    }
    Optional<Class<? extends Record>> type = progressType(activityType);
    if (type.isPresent()) {
      try {
        return converter.fromPayloads(0, Optional.of(details), type.get(), type.get());
      } catch (RuntimeException e) {
        // not this record's shape: shown as JSON below
      }
    }
    try {
      return converter.fromPayloads(0, Optional.of(details), JsonNode.class, JsonNode.class);
    } catch (RuntimeException e) {
      return null; // not JSON (a binary detail): shown without details
    }
  }

  /** The type name Temporal gives the activity method (the SDK's naming, so a renamed method follows). */
  private static String activityType(Class<?> activities, String methodName) {
    for (POJOActivityMethodMetadata m : POJOActivityInterfaceMetadata.newInstance(activities).getMethodsMetadata()) {
      if (m.getMethod().getName().equals(methodName)) {
        return m.getActivityTypeName();
      }
    }
    throw new IllegalStateException(activities.getSimpleName() + " has no activity method " + methodName);
  }
}
