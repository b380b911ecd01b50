package dev.pretrain.activities.lineage;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;

/**
 * How our runs, steps and objects are named in OpenLineage (docs/openlineage.md, "Naming").
 *
 * <ul>
 *   <li>a dataset follows the spec's naming of object stores and files: {@code s3://bucket/key} is
 *       namespace {@code s3://bucket}, name {@code key}; {@code file:///path} is namespace
 *       {@code file}, name {@code /path};</li>
 *   <li>a step is the job {@code <recipe>.<step>} (a run whose recipe is unknown: {@code pretrain.<step>});
 *       the pipeline run is its parent job {@code <recipe>};</li>
 *   <li>OpenLineage wants UUID run ids: each is derived from our ids, so every worker (and a replay)
 *       names the same execution the same way.</li>
 * </ul>
 */
public final class LineageNaming {

  /** The job prefix of runs whose recipe is unknown. */
  public static final String DEFAULT_PIPELINE = "pretrain";

  private LineageNaming() {}

  /** An OpenLineage dataset's namespace and name. */
  public record DatasetName(String namespace, String name) {}

  /** The dataset name of a URI we store or read, or empty for one that names no object or file. */
  public static Optional<DatasetName> dataset(String uri) {
    if (uri == null) {
      return Optional.empty();
    }
    if (uri.startsWith("s3://")) {
      String rest = uri.substring("s3://".length());
      int slash = rest.indexOf('/');
      if (slash <= 0 || slash == rest.length() - 1) {
        return Optional.empty();
      }
      return Optional.of(new DatasetName("s3://" + rest.substring(0, slash), rest.substring(slash + 1)));
    }
    if (uri.startsWith("file:")) {
      try {
        String path = URI.create(uri).getPath();
        return path == null || path.isEmpty() ? Optional.empty() : Optional.of(new DatasetName("file", path));
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  /** The job of one step: {@code <pipeline>.<step>}. */
  public static String stepJob(String pipeline, String step) {
    return pipelineJob(pipeline) + "." + step;
  }

  /** The job of a whole pipeline run: its recipe's name. */
  public static String pipelineJob(String pipeline) {
    return pipeline == null || pipeline.isBlank() ? DEFAULT_PIPELINE : pipeline;
  }

  /**
   * The OpenLineage run of one attempt of one step activity. START and its COMPLETE or FAIL share it;
   * a retried attempt is a new OpenLineage run of the same job.
   */
  public static UUID runUuid(String pipelineRunId, String step, String activityId, int attempt) {
    return nameUuid("step\n" + pipelineRunId + "\n" + step + "\n" + activityId + "\n" + attempt);
  }

  /** The OpenLineage run of a whole pipeline run: the parent of its steps' runs. */
  public static UUID pipelineRunUuid(String pipelineRunId) {
    return nameUuid("run\n" + pipelineRunId);
  }

  private static UUID nameUuid(String name) {
    // a name-based UUID (RFC 4122 version 3): the same name always gives the same id
    return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8));
  }
}
