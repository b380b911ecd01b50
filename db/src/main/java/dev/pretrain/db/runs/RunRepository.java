package dev.pretrain.db.runs;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;

/** Runs and their steps: our long-term record of what ran, when, and with what outcome. */
public final class RunRepository {

  public record Run(String runId, String workflowId, String recipe, String status, String requestJson, String error,
      Instant startedAt, Instant finishedAt) {}

  public record Step(String runId, String step, String status, String countsJson, Long bytesIn, Long millis,
      Instant startedAt, Instant finishedAt) {}

  private final JdbcTemplate jdbc;

  public RunRepository(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** Records a run start; a workflow retrying this call leaves the first row as it was. */
  public void started(String runId, String workflowId, String recipe, String requestJson, Instant at) {
    if (find(runId).isEmpty()) {
      jdbc.update("INSERT INTO runs (run_id, workflow_id, recipe, status, request_json, started_at) VALUES (?, ?, ?, ?, ?, ?)",
          runId, workflowId, recipe, "running", requestJson, Timestamp.from(at));
    }
  }

  public void finished(String runId, String status, String error, Instant at) {
    jdbc.update("UPDATE runs SET status = ?, error = ?, finished_at = ? WHERE run_id = ?", status, error,
        Timestamp.from(at), runId);
  }

  public void stepStarted(String runId, String step, Instant at) {
    jdbc.update("DELETE FROM steps WHERE run_id = ? AND step = ?", runId, step);
    jdbc.update("INSERT INTO steps (run_id, step, status, started_at) VALUES (?, ?, ?, ?)", runId, step, "running",
        Timestamp.from(at));
  }

  public void stepFinished(String runId, String step, String status, String countsJson, long bytesIn, long millis,
      Instant at) {
    jdbc.update("UPDATE steps SET status = ?, counts_json = ?, bytes_in = ?, millis = ?, finished_at = ?"
        + " WHERE run_id = ? AND step = ?", status, countsJson, bytesIn, millis, Timestamp.from(at), runId, step);
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
        rs.getTimestamp("finished_at") == null ? null : rs.getTimestamp("finished_at").toInstant()), runId);
  }

  private static Run mapRun(java.sql.ResultSet rs) throws java.sql.SQLException {
    Timestamp fin = rs.getTimestamp("finished_at");
    return new Run(rs.getString("run_id"), rs.getString("workflow_id"), rs.getString("recipe"), rs.getString("status"),
        rs.getString("request_json"), rs.getString("error"), rs.getTimestamp("started_at").toInstant(),
        fin == null ? null : fin.toInstant());
  }
}
