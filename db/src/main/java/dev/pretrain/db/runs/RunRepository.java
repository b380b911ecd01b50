package dev.pretrain.db.runs;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;

/** Runs and their steps: our long-term record of what ran, when, and with what outcome. */
public final class RunRepository {

  /** A run; {@code scheduleId} and {@code scheduledTime} (nominal) are set when a Temporal Schedule started it. */
  public record Run(String runId, String workflowId, String recipe, String status, String requestJson, String error,
      Instant startedAt, Instant finishedAt, String scheduleId, Instant scheduledTime) {}

  /**
   * A step of a run. {@code executions} counts how often the workflow started the step (a retryStep
   * or a Reset starts it again); {@code attempts}, {@code error} and {@code failureType} describe the
   * failure a parked step stopped at; {@code cacheHits}/{@code computed} count its activities.
   */
  public record Step(String runId, String step, String status, String countsJson, Long bytesIn, Long millis,
      Instant startedAt, Instant finishedAt, String error, String failureType, Integer attempts, int executions,
      Integer cacheHits, Integer computed) {}

  /** A retry an operator asked for, with the parameter overrides as JSON. */
  public record Retry(String runId, String step, String overridesJson, Instant requestedAt) {}

  private final JdbcTemplate jdbc;

  public RunRepository(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Records a run start. A workflow retrying this call, or a run Reset from the Temporal UI (which
   * starts the workflow code again under the same run id), finds the row and marks it running again.
   */
  public void started(String runId, String workflowId, String recipe, String requestJson, Instant at) {
    started(runId, workflowId, recipe, requestJson, at, null, null);
  }

  public void started(String runId, String workflowId, String recipe, String requestJson, Instant at,
      String scheduleId, Instant scheduledTime) {
    if (find(runId).isEmpty()) {
      jdbc.update("INSERT INTO runs (run_id, workflow_id, recipe, status, request_json, started_at, schedule_id,"
              + " scheduled_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          runId, workflowId, recipe, "running", requestJson, Timestamp.from(at), scheduleId,
          scheduledTime == null ? null : Timestamp.from(scheduledTime));
    } else {
      jdbc.update("UPDATE runs SET status = 'running', error = NULL, finished_at = NULL WHERE run_id = ?", runId);
    }
  }

  /** The step stopped after its retries: the step and the run wait for an operator. */
  public void parked(String runId, String step, String error, String failureType, int attempts, Instant at) {
    jdbc.update("UPDATE steps SET status = 'parked', error = ?, failure_type = ?, attempts = ?, finished_at = ?"
        + " WHERE run_id = ? AND step = ?", error, failureType, attempts, Timestamp.from(at), runId, step);
    jdbc.update("UPDATE runs SET status = 'parked', error = ? WHERE run_id = ?", step + ": " + error, runId);
  }

  /** Records the retry; the run's request becomes {@code effectiveRequestJson} (overrides applied). */
  public void retryRequested(String runId, String step, String overridesJson, String effectiveRequestJson, Instant at) {
    jdbc.update("INSERT INTO step_retries (run_id, step, overrides_json, requested_at) VALUES (?, ?, ?, ?)", runId, step,
        overridesJson, Timestamp.from(at));
    jdbc.update("UPDATE runs SET status = 'running', error = NULL, request_json = ? WHERE run_id = ?",
        effectiveRequestJson, runId);
  }

  public List<Retry> retries(String runId) {
    return jdbc.query("SELECT * FROM step_retries WHERE run_id = ? ORDER BY id", (rs, i) -> new Retry(
        rs.getString("run_id"), rs.getString("step"), rs.getString("overrides_json"),
        rs.getTimestamp("requested_at").toInstant()), runId);
  }

  public void finished(String runId, String status, String error, Instant at) {
    jdbc.update("UPDATE runs SET status = ?, error = ?, finished_at = ? WHERE run_id = ?", status, error,
        Timestamp.from(at), runId);
  }

  /** The workflow starts (or starts again) a step; the row keeps how many times it did. */
  public void stepStarted(String runId, String step, Instant at) {
    int updated = jdbc.update("UPDATE steps SET status = 'running', counts_json = NULL, bytes_in = NULL, millis = NULL,"
        + " started_at = ?, finished_at = NULL, error = NULL, failure_type = NULL, attempts = NULL, cache_hits = NULL,"
        + " computed = NULL, executions = executions + 1 WHERE run_id = ? AND step = ?", Timestamp.from(at), runId, step);
    if (updated == 0) {
      jdbc.update("INSERT INTO steps (run_id, step, status, started_at, executions) VALUES (?, ?, ?, ?, 1)", runId, step,
          "running", Timestamp.from(at));
    }
  }

  public void stepFinished(String runId, String step, String status, String countsJson, long bytesIn, long millis,
      Instant at) {
    jdbc.update("UPDATE steps SET status = ?, counts_json = ?, bytes_in = ?, millis = ?, finished_at = ?"
        + " WHERE run_id = ? AND step = ?", status, countsJson, bytesIn, millis, Timestamp.from(at), runId, step);
  }

  public void stepCacheUse(String runId, String step, int cacheHits, int computed) {
    jdbc.update("UPDATE steps SET cache_hits = ?, computed = ? WHERE run_id = ? AND step = ?", cacheHits, computed,
        runId, step);
  }

  public Optional<Step> step(String runId, String step) {
    return steps(runId).stream().filter(s -> s.step().equals(step)).findFirst();
  }

  public Optional<Run> find(String runId) {
    return jdbc.query("SELECT * FROM runs WHERE run_id = ?", (rs, i) -> mapRun(rs), runId).stream().findFirst();
  }

  public List<Run> recent(int limit, String status) {
    if (status == null) {
      return jdbc.query("SELECT * FROM runs ORDER BY started_at DESC LIMIT ?", (rs, i) -> mapRun(rs), limit);
    }
    return jdbc.query("SELECT * FROM runs WHERE status = ? ORDER BY started_at DESC LIMIT ?", (rs, i) -> mapRun(rs),
        status, limit);
  }

  public List<Step> steps(String runId) {
    return jdbc.query("SELECT * FROM steps WHERE run_id = ? ORDER BY started_at", (rs, i) -> new Step(
        rs.getString("run_id"), rs.getString("step"), rs.getString("status"), rs.getString("counts_json"),
        (Long) rs.getObject("bytes_in", Long.class), (Long) rs.getObject("millis", Long.class),
        rs.getTimestamp("started_at").toInstant(),
        rs.getTimestamp("finished_at") == null ? null : rs.getTimestamp("finished_at").toInstant(),
        rs.getString("error"), rs.getString("failure_type"), (Integer) rs.getObject("attempts", Integer.class),
        rs.getInt("executions"), (Integer) rs.getObject("cache_hits", Integer.class),
        (Integer) rs.getObject("computed", Integer.class)), runId);
  }

  private static Run mapRun(java.sql.ResultSet rs) throws java.sql.SQLException {
    Timestamp fin = rs.getTimestamp("finished_at");
    Timestamp nominal = rs.getTimestamp("scheduled_time");
    return new Run(rs.getString("run_id"), rs.getString("workflow_id"), rs.getString("recipe"), rs.getString("status"),
        rs.getString("request_json"), rs.getString("error"), rs.getTimestamp("started_at").toInstant(),
        fin == null ? null : fin.toInstant(), rs.getString("schedule_id"), nominal == null ? null : nominal.toInstant());
  }
}
