package dev.pretrain.activities.run;

import dev.pretrain.activities.PipelineServices;
import dev.pretrain.activities.placement.RunSources;
import dev.pretrain.activities.placement.SovereigntyPolicy;
import dev.pretrain.db.documents.SourceRepository;
import dev.pretrain.db.placement.PlacementRepository;
import dev.pretrain.workflows.StepFailures;
import dev.pretrain.workflows.StepNames;
import dev.pretrain.workflows.run.Placement;
import dev.pretrain.workflows.run.PretrainingRunWorkflow;
import dev.pretrain.workflows.run.RoutingActivities;
import dev.pretrain.workflows.run.RunRequest;
import io.temporal.activity.Activity;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.taskqueue.v1.PollerInfo;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest;
import io.temporal.client.WorkflowClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Asks the Temporal server which model queue has workers, through the client this worker already has,
 * and places runs under this worker's sovereignty policy.
 */
public class RoutingActivitiesImpl implements RoutingActivities {

  /** A live worker renews its long poll at least every ~70 s; older pollers are gone. */
  static final long RECENT_SECONDS = 90;

  private final PipelineServices services;
  private final SovereigntyPolicy policy;

  /** Without a policy: every run is unrestricted. */
  public RoutingActivitiesImpl() {
    this(null, null);
  }

  /** @param policy the workers' sovereignty policy, or null for none (then {@code services} may be null too) */
  public RoutingActivitiesImpl(PipelineServices services, SovereigntyPolicy policy) {
    this.services = services;
    this.policy = policy;
  }

  @Override
  public Placement plan(RunRequest request) {
    if (policy == null) {
      return Placement.unrestricted();
    }
    List<SovereigntyPolicy.SourceJurisdiction> sources =
        new RunSources(services.store(), new SourceRepository(services.database().jdbc())).of(request);
    String asked = request.sovereignty() == null ? null : request.sovereignty().region();
    SovereigntyPolicy.Outcome outcome = policy.place(sources, asked, stepsOf(request));
    Instant now = Instant.now();
    List<PlacementRepository.Decision> rows = new ArrayList<>();
    for (SovereigntyPolicy.Decision d : outcome.decisions()) {
      rows.add(new PlacementRepository.Decision(request.runId(), d.source(), d.step(), d.jurisdiction(),
          d.allowed() ? PlacementRepository.ALLOWED : PlacementRepository.REFUSED, d.region(), d.taskQueue(),
          d.bucket(), d.rule(), d.reason(), policy.sha256(), now));
    }
    PlacementRepository repo = new PlacementRepository(services.database().jdbc());
    repo.record(request.runId(), rows);
    if (outcome.refusal() != null) {
      repo.stepRefused(request.runId(), StepNames.INGEST, outcome.refusal(), StepFailures.POLICY_VIOLATION, now);
      return Placement.refused(outcome.region() == null ? null : outcome.region().name(), outcome.refusal());
    }
    SovereigntyPolicy.Region r = outcome.region();
    services.store().ensureBucket(r.bucket()); // as `./pretrain run` does for the recipe's bucket
    return new Placement(r.name(), r.dataQueue(), r.modelQueue(), r.bucket(), null, policy.jurisdictionsIn(r.name()));
  }

  /** The steps the run will execute: all of them, or up to its {@code until} step; the tokenizer step only if it trains one. */
  static List<String> stepsOf(RunRequest request) {
    int last = request.until() == null ? -1 : StepNames.ALL.indexOf(request.until());
    List<String> steps = last < 0 ? StepNames.ALL : StepNames.ALL.subList(0, last + 1);
    boolean ownVocabulary = request.tokenize() != null && request.tokenize().trainsTokenizer();
    return ownVocabulary ? steps
        : steps.stream().filter(s -> !s.equals(StepNames.TOKENIZER) && !s.equals(StepNames.EXPORT)).toList();
  }

  @Override
  public String modelTaskQueue() {
    WorkflowClient client = Activity.getExecutionContext().getWorkflowClient();
    var pollers = client.getWorkflowServiceStubs().blockingStub().withDeadlineAfter(10, TimeUnit.SECONDS)
        .describeTaskQueue(DescribeTaskQueueRequest.newBuilder()
            .setNamespace(client.getOptions().getNamespace())
            .setTaskQueue(TaskQueue.newBuilder().setName(PretrainingRunWorkflow.GPU_TRAIN_TASK_QUEUE).build())
            .setTaskQueueType(TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)
            .build())
        .getPollersList();
    long cutoff = Instant.now().getEpochSecond() - RECENT_SECONDS;
    for (PollerInfo p : pollers) {
      if (!p.hasLastAccessTime() || p.getLastAccessTime().getSeconds() >= cutoff) {
        return PretrainingRunWorkflow.GPU_TRAIN_TASK_QUEUE;
      }
    }
    return PretrainingRunWorkflow.TRAIN_TASK_QUEUE;
  }
}
