package dev.pretrain.activities.lineage;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.openlineage.client.OpenLineage;
import java.net.URI;
import java.util.List;

/**
 * Our custom OpenLineage facets. Each has a JSON Schema under {@code docs/openlineage/<version>/}
 * whose {@code $id} is the facet's {@code _schemaURL} without the fragment; {@code OpenLineageEventsTest}
 * validates every emitted facet against it. A field change is a new version directory, never an edit
 * in place: consumers treat {@code _schemaURL} as the identity of a facet's shape.
 */
public final class PretrainFacets {

  /** Who wrote the events: the {@code producer} of each event and {@code _producer} of each facet. */
  public static final URI PRODUCER = URI.create("https://pretrain.dev/pretrain-pipeline");

  /** Where the schemas are published: the repository's {@code docs/openlineage/} directory. */
  public static final String SCHEMA_BASE = "https://pretrain.dev/pretrain-pipeline/docs/openlineage/";

  /** Facet keys: the spec asks custom facets for a prefix, ours is {@code pretrain_}. */
  public static final String RESIDENCY = "pretrain_residency";
  public static final String PROCESSING_LOCATION = "pretrain_processingLocation";
  public static final String STEP_RUN = "pretrain_stepRun";

  static final String RESIDENCY_SCHEMA = schemaUrl("1-0-0", "PretrainResidencyDatasetFacet");
  static final String PROCESSING_LOCATION_SCHEMA = schemaUrl("1-0-0", "PretrainProcessingLocationRunFacet");
  static final String STEP_RUN_SCHEMA = schemaUrl("1-0-0", "PretrainStepRunFacet");

  private PretrainFacets() {}

  private static String schemaUrl(String version, String name) {
    return SCHEMA_BASE + version + "/" + name + ".json#/$defs/" + name;
  }

  /** Where a dataset's bytes are stored, and under which jurisdictions its documents were collected. */
  @JsonPropertyOrder({"_producer", "_schemaURL", "storageRegion", "storageEndpoint", "jurisdictions"})
  public static final class Residency extends OpenLineage.DefaultDatasetFacet {
    private final String storageRegion;
    private final String storageEndpoint;
    private final List<String> jurisdictions;

    public Residency(String storageRegion, String storageEndpoint, List<String> jurisdictions) {
      super(PRODUCER, null);
      this.storageRegion = storageRegion;
      this.storageEndpoint = storageEndpoint;
      this.jurisdictions = jurisdictions == null ? List.of() : List.copyOf(jurisdictions);
    }

    @Override
    public URI get_schemaURL() {
      return URI.create(RESIDENCY_SCHEMA);
    }

    @JsonProperty("storageRegion")
    public String getStorageRegion() {
      return storageRegion;
    }

    @JsonProperty("storageEndpoint")
    public String getStorageEndpoint() {
      return storageEndpoint;
    }

    /** Empty (and left out of the JSON) while unknown: never a guess. */
    @JsonProperty("jurisdictions")
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public List<String> getJurisdictions() {
      return jurisdictions;
    }
  }

  /** Where a step ran: the worker's region and host, the task queue it served, its Temporal identity. */
  @JsonPropertyOrder({"_producer", "_schemaURL", "workerRegion", "host", "taskQueue", "workerIdentity"})
  public static final class ProcessingLocation extends OpenLineage.DefaultRunFacet {
    private final String workerRegion;
    private final String host;
    private final String taskQueue;
    private final String workerIdentity;

    public ProcessingLocation(String workerRegion, String host, String taskQueue, String workerIdentity) {
      super(PRODUCER);
      this.workerRegion = workerRegion;
      this.host = host;
      this.taskQueue = taskQueue;
      this.workerIdentity = workerIdentity;
    }

    @Override
    public URI get_schemaURL() {
      return URI.create(PROCESSING_LOCATION_SCHEMA);
    }

    @JsonProperty("workerRegion")
    public String getWorkerRegion() {
      return workerRegion;
    }

    @JsonProperty("host")
    public String getHost() {
      return host;
    }

    @JsonProperty("taskQueue")
    public String getTaskQueue() {
      return taskQueue;
    }

    @JsonProperty("workerIdentity")
    public String getWorkerIdentity() {
      return workerIdentity;
    }
  }

  /**
   * Which execution of which step this OpenLineage run is, in our terms: the pipeline's run id (as
   * {@code pretrain lineage RUN_ID} takes it), the step, and the Temporal activity and attempt. The
   * OpenLineage run id is derived from these (see {@link LineageNaming#runUuid}).
   */
  @JsonPropertyOrder({"_producer", "_schemaURL", "pipelineRunId", "step", "activityType", "activityId", "attempt",
      "workflowId"})
  public static final class StepRun extends OpenLineage.DefaultRunFacet {
    private final String pipelineRunId;
    private final String step;
    private final String activityType;
    private final String activityId;
    private final int attempt;
    private final String workflowId;

    public StepRun(String pipelineRunId, String step, String activityType, String activityId, int attempt,
        String workflowId) {
      super(PRODUCER);
      this.pipelineRunId = pipelineRunId;
      this.step = step;
      this.activityType = activityType;
      this.activityId = activityId;
      this.attempt = attempt;
      this.workflowId = workflowId;
    }

    @Override
    public URI get_schemaURL() {
      return URI.create(STEP_RUN_SCHEMA);
    }

    @JsonProperty("pipelineRunId")
    public String getPipelineRunId() {
      return pipelineRunId;
    }

    @JsonProperty("step")
    public String getStep() {
      return step;
    }

    @JsonProperty("activityType")
    public String getActivityType() {
      return activityType;
    }

    @JsonProperty("activityId")
    public String getActivityId() {
      return activityId;
    }

    @JsonProperty("attempt")
    public int getAttempt() {
      return attempt;
    }

    @JsonProperty("workflowId")
    public String getWorkflowId() {
      return workflowId;
    }
  }
}
