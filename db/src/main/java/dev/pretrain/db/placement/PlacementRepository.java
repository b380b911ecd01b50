package dev.pretrain.db.placement;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;

/** The sovereignty policy's decisions per run, source and step (table {@code placement_decisions}). */
public final class PlacementRepository {

  public static final String ALLOWED = "allowed";
  public static final String REFUSED = "refused";

  /**
   * @param source       a source id, or the input it came from when no known source matched
   * @param rule         the policy rule applied, e.g. {@code EU: process [eu], store [eu]}
   * @param reason       why it was refused; null when allowed
   * @param policySha256 digest of the policy file that decided
   */
  public record Decision(String runId, String source, String step, String jurisdiction, String decision,
      String region, String taskQueue, String bucket, String rule, String reason, String policySha256,
      Instant decidedAt) {}

  private final JdbcTemplate jdbc;

  public PlacementRepository(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** Replaces the run's decisions: a plan redone (a Reset) decides again, from the policy of now. */
  public void record(String runId, List<Decision> decisions) {
    jdbc.update("DELETE FROM placement_decisions WHERE run_id = ?", runId);
    jdbc.batchUpdate("INSERT INTO placement_decisions (run_id, source, step, jurisdiction, decision, region,"
        + " task_queue, bucket, rule, reason, policy_sha256, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        decisions.stream().map(d -> new Object[] {runId, d.source(), d.step(), d.jurisdiction(), d.decision(),
            d.region(), d.taskQueue(), d.bucket(), d.rule(), d.reason(), d.policySha256(),
            Timestamp.from(d.decidedAt())}).toList());
  }

  /** Marks the step the run would have started with as refused, so that status lists it as such. */
  public void stepRefused(String runId, String step, String reason, String failureType, Instant at) {
    jdbc.update("DELETE FROM steps WHERE run_id = ? AND step = ?", runId, step);
    jdbc.update("INSERT INTO steps (run_id, step, status, started_at, finished_at, error, failure_type, executions)"
        + " VALUES (?, ?, ?, ?, ?, ?, ?, 0)", runId, step, REFUSED, Timestamp.from(at), Timestamp.from(at), reason,
        failureType);
  }

  public List<Decision> decisions(String runId) {
    return jdbc.query("SELECT * FROM placement_decisions WHERE run_id = ? ORDER BY source, decided_at, step",
        (rs, i) -> map(rs), runId);
  }

  /** The bucket the policy placed the run's data in, when a policy placed it. */
  public java.util.Optional<String> placedBucket(String runId) {
    return jdbc.queryForList("SELECT DISTINCT bucket FROM placement_decisions WHERE run_id = ? AND decision = ?"
        + " AND bucket IS NOT NULL ORDER BY bucket", String.class, runId, ALLOWED).stream().findFirst();
  }

  /** Every refusal since {@code since}, newest first: what an audit asks first. */
  public List<Decision> refusals(Instant since) {
    return jdbc.query("SELECT * FROM placement_decisions WHERE decision = ? AND decided_at >= ?"
        + " ORDER BY decided_at DESC, run_id, source, step", (rs, i) -> map(rs), REFUSED, Timestamp.from(since));
  }

  private static Decision map(java.sql.ResultSet rs) throws java.sql.SQLException {
    return new Decision(rs.getString("run_id"), rs.getString("source"), rs.getString("step"),
        rs.getString("jurisdiction"), rs.getString("decision"), rs.getString("region"), rs.getString("task_queue"),
        rs.getString("bucket"), rs.getString("rule"), rs.getString("reason"), rs.getString("policy_sha256"),
        rs.getTimestamp("decided_at").toInstant());
  }
}
