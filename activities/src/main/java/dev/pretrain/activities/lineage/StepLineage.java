package dev.pretrain.activities.lineage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.openlineage.client.OpenLineage;
import io.openlineage.client.OpenLineage.RunEvent.EventType;
import io.temporal.client.ActivityCompletionException;
import io.temporal.failure.ApplicationFailure;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds and emits the OpenLineage run events of step executions: START before the activity, then
 * COMPLETE (with its outputs) or FAIL (with an error message facet), or ABORT when Temporal cancelled
 * it or it timed out. Inputs are the objects and files the request names, outputs the artifacts the
 * result names (docs/openlineage.md). Nothing here throws into the step.
 */
public final class StepLineage {

  private static final Logger log = LoggerFactory.getLogger(StepLineage.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Enough of a stack trace to find the failing frame; the whole one can run to hundreds of lines. */
  static final int STACK_TRACE_CHARS = 8_000;

  /** The namespace of our jobs when none is configured. */
  public static final String DEFAULT_NAMESPACE = "pretrain";

  /** What an interceptor knows of one execution of a step activity. */
  public record StepCall(String pipelineRunId, String step, String activityType, String activityId, int attempt,
      String workflowId, String taskQueue) {}

  private final LineageEmitter emitter;
  private final String namespace;
  private final WorkerLocation worker;
  private final ResidencyLookup residency;
  private final Function<String, String> pipelineOfRun;
  private final OpenLineage ol = new OpenLineage(PretrainFacets.PRODUCER);

  /**
   * @param namespace     the OpenLineage namespace of our jobs
   * @param pipelineOfRun a run id's recipe name, or null when unknown (the job prefix, see {@link LineageNaming})
   */
  public StepLineage(LineageEmitter emitter, String namespace, WorkerLocation worker, ResidencyLookup residency,
      Function<String, String> pipelineOfRun) {
    this.emitter = emitter;
    this.namespace = namespace == null || namespace.isBlank() ? DEFAULT_NAMESPACE : namespace;
    this.worker = worker;
    this.residency = residency;
    this.pipelineOfRun = pipelineOfRun;
  }

  public LineageEmitter emitter() {
    return emitter;
  }

  /** Emits START; the returned execution emits how it ended. */
  public Execution started(StepCall call, Object request) {
    try {
      Execution execution = new Execution(call, pipelineOf(call.pipelineRunId()), referencedIn(request));
      emitter.emit(execution.event(EventType.START, List.of(), null));
      return execution;
    } catch (RuntimeException | LinkageError e) {
      log.warn("no OpenLineage START for {} {} of run {}: {}", call.step(), call.activityId(), call.pipelineRunId(),
          e.toString());
      return new Execution(call, LineageNaming.DEFAULT_PIPELINE, List.of());
    }
  }

  private String pipelineOf(String pipelineRunId) {
    try {
      return LineageNaming.pipelineJob(pipelineOfRun.apply(pipelineRunId));
    } catch (RuntimeException e) {
      return LineageNaming.DEFAULT_PIPELINE; // a name is not worth failing the events for
    }
  }

  /** One attempt of one step activity, between its START and its end. */
  public final class Execution {
    private final StepCall call;
    private final String pipeline;
    private final List<Referenced> inputs;
    private final Map<String, OpenLineage.DatasetFacets> facetsByUri = new LinkedHashMap<>();

    private Execution(StepCall call, String pipeline, List<Referenced> inputs) {
      this.call = call;
      this.pipeline = pipeline;
      this.inputs = inputs;
    }

    public UUID runUuid() {
      return LineageNaming.runUuid(call.pipelineRunId(), call.step(), call.activityId(), call.attempt());
    }

    public String jobName() {
      return LineageNaming.stepJob(pipeline, call.step());
    }

    /** Emits COMPLETE with the artifacts in {@code result} as outputs. */
    public void completed(Object result) {
      try {
        emitter.emit(event(EventType.COMPLETE, referencedIn(result), null));
      } catch (RuntimeException | LinkageError e) {
        log.warn("no OpenLineage COMPLETE for {} {} of run {}: {}", call.step(), call.activityId(),
            call.pipelineRunId(), e.toString());
      }
    }

    /** Emits FAIL (ABORT for a cancelled or timed-out activity) with the error. */
    public void failed(Throwable error) {
      try {
        EventType type = error instanceof ActivityCompletionException ? EventType.ABORT : EventType.FAIL;
        emitter.emit(event(type, List.of(), error));
      } catch (RuntimeException | LinkageError e) {
        log.warn("no OpenLineage FAIL for {} {} of run {}: {}", call.step(), call.activityId(), call.pipelineRunId(),
            e.toString());
      }
    }

    OpenLineage.RunEvent event(EventType type, List<Referenced> outputs, Throwable error) {
      OpenLineage.RunFacetsBuilder runFacets = ol.newRunFacetsBuilder()
          .parent(parentFacet())
          .put(PretrainFacets.STEP_RUN, new PretrainFacets.StepRun(call.pipelineRunId(), call.step(),
              call.activityType(), call.activityId(), call.attempt(), call.workflowId()))
          .put(PretrainFacets.PROCESSING_LOCATION, new PretrainFacets.ProcessingLocation(worker.region(),
              worker.host(), call.taskQueue(), worker.identity()));
      if (error != null) {
        runFacets.errorMessage(ol.newErrorMessageRunFacet(messageOf(error), "Java", stackTraceOf(error)));
      }
      OpenLineage.Job job = ol.newJobBuilder()
          .namespace(namespace)
          .name(jobName())
          .facets(ol.newJobFacetsBuilder()
              .jobType(ol.newJobTypeJobFacet("BATCH", "PRETRAIN_PIPELINE", "STEP", null))
              .build())
          .build();
      List<OpenLineage.InputDataset> in = new ArrayList<>();
      for (Referenced r : inputs) {
        LineageNaming.dataset(r.uri()).ifPresent(name ->
            in.add(ol.newInputDatasetBuilder().namespace(name.namespace()).name(name.name()).facets(facets(r)).build()));
      }
      List<OpenLineage.OutputDataset> out = new ArrayList<>();
      for (Referenced r : outputs) {
        LineageNaming.dataset(r.uri()).ifPresent(name ->
            out.add(ol.newOutputDatasetBuilder().namespace(name.namespace()).name(name.name()).facets(facets(r)).build()));
      }
      return ol.newRunEventBuilder()
          .eventTime(ZonedDateTime.now(ZoneOffset.UTC))
          .eventType(type)
          .run(ol.newRun(runUuid(), runFacets.build()))
          .job(job)
          .inputs(in)
          .outputs(out)
          .build();
    }

    private OpenLineage.ParentRunFacet parentFacet() {
      UUID parentRun = LineageNaming.pipelineRunUuid(call.pipelineRunId());
      // the pipeline run is both the parent and the root of its steps
      return ol.newParentRunFacetBuilder()
          .run(ol.newParentRunFacetRunBuilder().runId(parentRun).build())
          .job(ol.newParentRunFacetJobBuilder().namespace(namespace).name(pipeline).build())
          .root(ol.newParentRunFacetRoot(ol.newRootRunBuilder().runId(parentRun).build(),
              ol.newRootJobBuilder().namespace(namespace).name(pipeline).build()))
          .build();
    }

    /** Looked up once per URI and execution: START and COMPLETE report the same inputs. */
    private OpenLineage.DatasetFacets facets(Referenced r) {
      return facetsByUri.computeIfAbsent(r.uri(), uri -> {
        OpenLineage.DatasetFacetsBuilder b = ol.newDatasetFacetsBuilder();
        if (r.sha256() != null) {
          // objects are immutable under their key within a run; the SHA-256 tells versions apart across runs
          b.version(ol.newDatasetVersionDatasetFacet("sha256:" + r.sha256()));
        }
        try {
          residency.of(uri).ifPresent(facet -> b.put(PretrainFacets.RESIDENCY, facet));
        } catch (RuntimeException e) {
          log.debug("no residency for {}: {}", uri, e.toString());
        }
        return b.build();
      });
    }
  }

  /** An object or file a request or result refers to: an ArtifactRef, or an ingest InputFile (no digest). */
  record Referenced(String uri, String sha256) {}

  /** Every object or file reference in a request or result, wherever it sits, once each, in order. */
  static List<Referenced> referencedIn(Object value) {
    Map<String, Referenced> found = new LinkedHashMap<>();
    if (value != null) {
      collect(JSON.valueToTree(value), found);
    }
    return List.copyOf(found.values());
  }

  private static void collect(JsonNode node, Map<String, Referenced> found) {
    if (node.isObject() && node.path("uri").isTextual() && node.has("sizeBytes")) {
      String uri = node.get("uri").asText();
      String sha = node.path("sha256").isTextual() ? node.get("sha256").asText() : null;
      found.putIfAbsent(uri, new Referenced(uri, sha));
    } else if (node instanceof ObjectNode || node instanceof ArrayNode) {
      node.forEach(child -> collect(child, found));
    }
  }

  static String messageOf(Throwable e) {
    if (e instanceof ApplicationFailure af) {
      String type = af.getType() == null ? "" : af.getType() + ": ";
      return type + af.getOriginalMessage() + (af.isNonRetryable() ? " (non-retryable)" : "");
    }
    return e.getMessage() == null ? e.getClass().getName() : e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  static String stackTraceOf(Throwable e) {
    StringWriter w = new StringWriter();
    e.printStackTrace(new PrintWriter(w));
    String trace = w.toString();
    return trace.length() <= STACK_TRACE_CHARS ? trace : trace.substring(0, STACK_TRACE_CHARS) + "\n\t... (truncated)";
  }
}
