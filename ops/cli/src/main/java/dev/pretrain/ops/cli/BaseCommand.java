package dev.pretrain.ops.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.pretrain.db.Database;
import dev.pretrain.ops.client.TemporalService;
import dev.pretrain.ops.config.PretrainConfig;
import dev.pretrain.workflows.run.PretrainingRunWorkflow;
import io.temporal.api.enums.v1.TaskQueueType;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Shared plumbing of the subcommands: resolved configuration, stdout for results (text or JSON),
 * stderr for everything else, and connections with errors that tell the user what to do.
 */
public abstract class BaseCommand implements Callable<Integer> {

  protected static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Spec
  protected CommandSpec spec;

  private PretrainConfig config;

  protected GlobalOptions global() {
    return GlobalOptions.of(spec);
  }

  protected boolean json() {
    return global().json();
  }

  protected PretrainConfig config() {
    if (config == null) {
      config = global().resolve(System.getenv());
    }
    return config;
  }

  /** Results go here: text, or one JSON document with --json. */
  protected PrintStream out() {
    return System.out;
  }

  /** Progress, hints and logs: always stderr, so that stdout stays machine-readable. */
  protected PrintStream err() {
    return System.err;
  }

  protected void emit(String text, Object json) {
    if (json()) {
      try {
        out().println(JSON.writeValueAsString(json));
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
    } else {
      out().print(text);
      if (!text.endsWith("\n")) {
        out().println();
      }
    }
    out().flush();
  }

  /** Opens (and migrates) the metadata database, or fails with a hint. */
  protected Database openDatabase() {
    PretrainConfig c = config();
    try {
      return c.openDatabase();
    } catch (RuntimeException e) {
      throw new UserError("cannot open the database " + c.jdbcUrl() + ": " + rootMessage(e)
          + (c.origins().get("jdbc.url").equals("default") ? "\n  Is the local stack up? Start it with ./pretrain up" : ""));
    }
  }

  /** Connects to Temporal and checks it answers, or fails with a hint. */
  protected TemporalService connectTemporal(Duration wait) {
    PretrainConfig c = config();
    TemporalService t = TemporalService.connect(c.temporalAddress(), c.namespace(), null, c.temporalTls());
    try {
      t.awaitReady(wait, () -> true);
      return t;
    } catch (RuntimeException e) {
      t.close();
      throw new UserError("cannot reach Temporal at " + c.temporalAddress() + " (namespace " + c.namespace()
          + "): " + rootMessage(e)
          + (c.origins().get("temporal.address").equals("default") ? "\n  Is the local stack up? Start it with ./pretrain up" : ""));
    }
  }

  /**
   * The workflow id of a run: {@code pretrain-<runId>}, except for runs a schedule started (their
   * workflow id carries the nominal time with colons); our database knows each run's id.
   */
  protected String workflowIdOf(String runId) {
    try (Database db = config().openDatabase()) {
      return new dev.pretrain.db.runs.RunRepository(db.jdbc()).find(runId)
          .map(dev.pretrain.db.runs.RunRepository.Run::workflowId)
          .orElse(PretrainingRunWorkflow.workflowId(runId));
    } catch (RuntimeException e) {
      return PretrainingRunWorkflow.workflowId(runId);
    }
  }

  /** Says so on stderr when no worker polls the pipeline's task queue: the run would wait for one. */
  protected void warnIfNoWorker(TemporalService temporal) {
    try {
      List<String> pollers = temporal.recentPollers(PretrainingRunWorkflow.TASK_QUEUE,
          TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, 90);
      if (pollers.isEmpty()) {
        err().println("Note: no worker is polling task queue '" + PretrainingRunWorkflow.TASK_QUEUE
            + "'; the run waits until one starts: ./pretrain worker");
      }
    } catch (RuntimeException e) {
      // informational only (the SDK test server does not implement it)
    }
  }

  protected static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }
}
