package dev.pretrain.ops.client;

import dev.pretrain.workflows.run.AbandonRequest;
import dev.pretrain.workflows.run.PretrainingRunWorkflow;
import dev.pretrain.workflows.run.RetryStepRequest;
import dev.pretrain.workflows.run.RunProgress;
import dev.pretrain.workflows.run.RunRequest;
import dev.pretrain.workflows.run.RunSummary;
import dev.pretrain.workflows.run.StepSummary;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Starts runs and follows them to their result, printing one progress line per change on a log stream. */
public final class RunClient {

  private final WorkflowClient client;

  public RunClient(WorkflowClient client) {
    this.client = client;
  }

  /** A followed run parked at a step: it waits for {@code retry} or {@code abandon}. */
  public static final class RunParkedException extends RuntimeException {
    private final transient RunProgress progress;

    public RunParkedException(RunProgress progress) {
      super("run " + progress.runId() + " parked at " + progress.parked().step() + " after "
          + progress.parked().attempts() + " attempt(s): " + progress.parked().error());
      this.progress = progress;
    }

    public RunProgress progress() {
      return progress;
    }
  }

  /** Sends {@code retryStep}; the workflow's validator rejects a bad step or override with a clear message. */
  public String retryStep(String workflowId, RetryStepRequest request) {
    return client.newWorkflowStub(PretrainingRunWorkflow.class, workflowId).retryStep(request);
  }

  public String abandon(String workflowId, String reason) {
    return client.newWorkflowStub(PretrainingRunWorkflow.class, workflowId).abandon(new AbandonRequest(reason));
  }

  /** Starts the run's workflow (id {@code pretrain-<runId>}) and returns at once with the workflow id. */
  public String start(RunRequest request) {
    String workflowId = PretrainingRunWorkflow.workflowId(request.runId());
    PretrainingRunWorkflow wf = client.newWorkflowStub(PretrainingRunWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId(workflowId)
        .setTaskQueue(PretrainingRunWorkflow.TASK_QUEUE)
        .build());
    WorkflowClient.start(wf::run, request);
    return workflowId;
  }

  /** The workflow's progress query, or null if it cannot be answered now (no worker, not found). */
  public RunProgress progress(String workflowId) {
    try {
      return client.newWorkflowStub(PretrainingRunWorkflow.class, workflowId).progress();
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * Polls the progress query every {@code every} until the workflow's result is in, printing a line
   * whenever the step, its partitions or the run's status change.
   *
   * @throws io.temporal.client.WorkflowFailedException if the run failed
   * @throws RunParkedException if the run parked (it waits for an operator; following ends)
   */
  public RunSummary follow(String workflowId, PrintStream log, Duration every) {
    WorkflowStub stub = client.newUntypedWorkflowStub(workflowId);
    CompletableFuture<RunSummary> result = stub.getResultAsync(RunSummary.class);
    PretrainingRunWorkflow typed = client.newWorkflowStub(PretrainingRunWorkflow.class, workflowId);
    long start = System.nanoTime();
    String lastLine = null;
    int stepsReported = 0;
    boolean waitingNoted = false;
    while (true) {
      try {
        return result.get(every.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        // still running: poll progress below
      } catch (ExecutionException e) {
        if (e.getCause() instanceof RuntimeException re) {
          throw re;
        }
        throw new IllegalStateException(e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while following " + workflowId);
      }
      RunProgress p;
      try {
        p = typed.progress();
      } catch (RuntimeException e) {
        if (!waitingNoted && !result.isDone()) {
          log.println(elapsed(start) + "  waiting for a worker on task queue '" + PretrainingRunWorkflow.TASK_QUEUE
              + "' (start one with ./pretrain worker)");
          waitingNoted = true;
        }
        continue;
      }
      waitingNoted = false;
      if (p.finished() != null) {
        for (; stepsReported < p.finished().size(); stepsReported++) {
          log.println(elapsed(start) + "  " + stepDone(p.finished().get(stepsReported)));
        }
      }
      String line = progressLine(p);
      if (!Objects.equals(line, lastLine)) {
        log.println(elapsed(start) + "  " + line);
        lastLine = line;
      }
      if ("parked".equals(p.status()) && p.parked() != null) {
        throw new RunParkedException(p);
      }
    }
  }

  static String progressLine(RunProgress p) {
    StringBuilder b = new StringBuilder();
    b.append('[').append(p.status()).append(']');
    if (p.currentStep() != null) {
      b.append(' ').append(p.currentStep());
      if (p.partitionsTotal() > 0) {
        b.append(String.format(Locale.ROOT, "  %d/%d partitions", p.partitionsDone(), p.partitionsTotal()));
      }
    }
    return b.toString();
  }

  static String stepDone(StepSummary s) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%s done in %.1f s", s.step(), s.millis() / 1000.0));
    if (s.fromCache()) {
      b.append(" (cache hit)");
    } else if (s.cacheHits() > 0) {
      b.append(String.format(Locale.ROOT, " (%d cache hit(s), %d computed)", s.cacheHits(), s.computed()));
    }
    if (s.counts() != null && !s.counts().isEmpty()) {
      b.append(": ");
      s.counts().forEach((k, v) -> b.append(k).append('=').append(v).append(' '));
    }
    return b.toString().trim();
  }

  private static String elapsed(long startNanos) {
    return String.format(Locale.ROOT, "%6.1fs", (System.nanoTime() - startNanos) / 1e9);
  }
}
