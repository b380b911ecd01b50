package dev.pretrain.db.curation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.jdbc.core.JdbcTemplate;

/** Curation decisions per document and rule, and the per-source tally of what became of every record. */
public final class CurationRepository {

  /** Actions a curation rule takes on a document. */
  public static final String REJECTED = "rejected";
  public static final String REDACTED = "redacted";
  public static final String REMOVED_LINES = "removed-lines";
  public static final String DETECTED = "detected";
  public static final String MISMATCH = "mismatch";

  /**
   * One rule that acted on a document.
   *
   * @param measured  the value the rule measured (a ratio, a count, a confidence), or null
   * @param threshold the threshold it was held to, as text ("<= 0.1", ">= 0.65"), or null
   */
  public record RuleDecision(String docId, String rule, String action, Double measured, String threshold,
      String detail) {}

  /** How many records of a source ended with {@code outcome} (kept, quarantined, ...) for {@code reason}. */
  public record Tally(String source, String outcome, String reason, long n) {}

  private final JdbcTemplate jdbc;

  public CurationRepository(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** Deletes a partition's rows, before the partition is (re)done. */
  public void clearPartition(String runId, int part) {
    jdbc.update("DELETE FROM curation_decisions WHERE run_id = ? AND part = ?", runId, part);
  }

  /** Records rules of a run's partition (after {@link #clearPartition}: a redone partition starts clean). */
  public void record(String runId, int part, List<RuleDecision> decisions) {
    if (decisions.isEmpty()) {
      return;
    }
    jdbc.batchUpdate("INSERT INTO curation_decisions (run_id, part, doc_id, rule, action, measured, threshold, detail)"
        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", decisions, 1000, (ps, d) -> {
          ps.setString(1, runId);
          ps.setInt(2, part);
          ps.setString(3, d.docId());
          ps.setString(4, d.rule());
          ps.setString(5, d.action());
          ps.setObject(6, d.measured());
          ps.setString(7, d.threshold());
          ps.setString(8, d.detail() == null || d.detail().length() <= 1024 ? d.detail() : d.detail().substring(0, 1024));
        });
  }

  public List<RuleDecision> decisionsOn(String runId, String docId) {
    return jdbc.query("SELECT * FROM curation_decisions WHERE run_id = ? AND doc_id = ? ORDER BY rule",
        (rs, i) -> new RuleDecision(rs.getString("doc_id"), rs.getString("rule"), rs.getString("action"),
            (Double) rs.getObject("measured", Double.class), rs.getString("threshold"), rs.getString("detail")),
        runId, docId);
  }

  /** Runs that took curation decisions on a document, oldest first by run id. */
  public List<String> runsWithDecisionsOn(String docId) {
    return jdbc.queryForList("SELECT DISTINCT run_id FROM curation_decisions WHERE doc_id = ? ORDER BY run_id",
        String.class, docId);
  }

  /** Documents a rule acted on in a run (for examples in reports), up to {@code limit}. */
  public List<String> documentsWith(String runId, String action, int limit) {
    return jdbc.queryForList("SELECT doc_id FROM curation_decisions WHERE run_id = ? AND action = ? ORDER BY doc_id"
        + " LIMIT " + limit, String.class, runId, action);
  }

  /** Replaces one partition's tally of a step (a redone partition writes the same rows again). */
  public void replaceTally(String runId, String step, int part, List<Tally> rows) {
    jdbc.update("DELETE FROM run_tally WHERE run_id = ? AND step = ? AND part = ?", runId, step, part);
    jdbc.batchUpdate("INSERT INTO run_tally (run_id, step, part, source, outcome, reason, n) VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows, 1000, (ps, t) -> {
          ps.setString(1, runId);
          ps.setString(2, step);
          ps.setInt(3, part);
          ps.setString(4, t.source());
          ps.setString(5, t.outcome());
          ps.setString(6, t.reason().length() <= 128 ? t.reason() : t.reason().substring(0, 128));
          ps.setLong(7, t.n());
        });
  }

  /** A run's tally summed over partitions: step -> rows ordered by source, outcome, reason. */
  public Map<String, List<Tally>> tally(String runId) {
    Map<String, List<Tally>> bystep = tallyOf(runId);
    if (!bystep.containsKey("ingest")) {
      // an ingest step served from the step cache: its rows are the run's that computed it, the one
      // whose ingest shards this run's dedup read
      List<String> ingestRuns = jdbc.queryForList("SELECT DISTINCT s.run_id FROM artifacts d"
          + " JOIN artifact_inputs i ON i.artifact_uri = d.uri JOIN artifacts s ON s.uri = i.input_uri"
          + " WHERE d.run_id = ? AND d.step = 'dedup' AND s.step = 'ingest' AND s.run_id <> ?", String.class,
          runId, runId);
      if (ingestRuns.size() == 1) {
        List<Tally> ingest = tallyOf(ingestRuns.get(0)).get("ingest");
        if (ingest != null) {
          bystep.put("ingest", ingest);
        }
      }
    }
    return bystep;
  }

  private Map<String, List<Tally>> tallyOf(String runId) {
    Map<String, List<Tally>> bystep = new TreeMap<>();
    jdbc.query("SELECT step, source, outcome, reason, SUM(n) AS n FROM run_tally WHERE run_id = ?"
        + " GROUP BY step, source, outcome, reason ORDER BY step, source, outcome, reason", rs -> {
          bystep.computeIfAbsent(rs.getString("step"), k -> new ArrayList<>()).add(
              new Tally(rs.getString("source"), rs.getString("outcome"), rs.getString("reason"), rs.getLong("n")));
        }, runId);
    return bystep;
  }
}
