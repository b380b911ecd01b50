package dev.pretrain.db.cache;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The step cache (results of activities by key) and the record of every activity execution: computed,
 * answered from the cache, or failed with its attempt number and error.
 */
public final class StepCacheRepository {

  public static final String COMPUTED = "computed";
  public static final String CACHE_HIT = "cache-hit";
  public static final String FAILED = "failed";

  /** A cached activity result and the run that computed it. */
  public record Entry(String cacheKey, String step, String activity, String codeVersion, String resultJson,
      String runId, Instant createdAt) {}

  public record Execution(String runId, String step, String activity, int attempt, String outcome, String cacheKey,
      String sourceRunId, String error, Instant startedAt, Long millis) {}

  /**
   * Where and with what an execution ran (lineage: an auditor's "processed where, by which code").
   *
   * @param paramsJson   the activity's request as JSON (parameters and input artifacts)
   * @param workerRegion the region the worker declares, or null when it declares none
   */
  public record Provenance(String codeVersion, String paramsJson, String taskQueue, String workerHost,
      String workerRegion) {}

  /** A run that took an artifact from another run's cached result. */
  public record Reuse(String runId, String step, String artifactUri, String sourceRunId, Instant reusedAt) {}

  private final JdbcTemplate jdbc;

  public StepCacheRepository(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  public Optional<Entry> find(String cacheKey) {
    return jdbc.query("SELECT * FROM step_cache WHERE cache_key = ?", (rs, i) -> new Entry(rs.getString("cache_key"),
        rs.getString("step"), rs.getString("activity"), rs.getString("code_version"), rs.getString("result_json"),
        rs.getString("run_id"), rs.getTimestamp("created_at").toInstant()), cacheKey).stream().findFirst();
  }

  /** Stores (or replaces, after a recomputation) the result under its key. */
  public void put(Entry e) {
    jdbc.update("DELETE FROM step_cache WHERE cache_key = ?", e.cacheKey());
    jdbc.update("INSERT INTO step_cache (cache_key, step, activity, code_version, result_json, run_id, created_at)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?)", e.cacheKey(), e.step(), e.activity(), e.codeVersion(), e.resultJson(),
        e.runId(), Timestamp.from(e.createdAt()));
  }

  public void remove(String cacheKey) {
    jdbc.update("DELETE FROM step_cache WHERE cache_key = ?", cacheKey);
  }

  public void recordExecution(Execution x) {
    recordExecution(x, null);
  }

  /** Records an execution with where and with what it ran ({@code p} may be null). */
  public void recordExecution(Execution x, Provenance p) {
    jdbc.update("INSERT INTO step_executions (run_id, step, activity, attempt, outcome, cache_key, source_run_id, error,"
            + " started_at, millis, code_version, params_json, task_queue, worker_host, worker_region)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", x.runId(), x.step(), x.activity(),
        x.attempt(), x.outcome(), x.cacheKey(), x.sourceRunId(), x.error(), Timestamp.from(x.startedAt()), x.millis(),
        p == null ? null : p.codeVersion(), p == null ? null : p.paramsJson(), p == null ? null : p.taskQueue(),
        p == null ? null : p.workerHost(), p == null ? null : p.workerRegion());
  }

  /** Executions of a run's step that ran alike: same activity, code version, queue, host, region and outcome. */
  public record WhereRan(String step, String activity, String codeVersion, String taskQueue, String workerHost,
      String workerRegion, String outcome, long executions) {}

  /** Where a run's steps ran, grouped; in the order the steps first ran. */
  public List<WhereRan> whereRan(String runId) {
    return jdbc.query("SELECT step, activity, code_version, task_queue, worker_host, worker_region, outcome,"
        + " COUNT(*) AS n, MIN(id) AS first FROM step_executions WHERE run_id = ?"
        + " GROUP BY step, activity, code_version, task_queue, worker_host, worker_region, outcome ORDER BY first",
        (rs, i) -> new WhereRan(rs.getString("step"), rs.getString("activity"), rs.getString("code_version"),
            rs.getString("task_queue"), rs.getString("worker_host"), rs.getString("worker_region"),
            rs.getString("outcome"), rs.getLong("n")), runId);
  }

  /** Where and with what each execution of a run ran, in execution order (null fields for older rows). */
  public List<Provenance> provenance(String runId) {
    return jdbc.query("SELECT code_version, params_json, task_queue, worker_host, worker_region FROM step_executions"
        + " WHERE run_id = ? ORDER BY id", (rs, i) -> new Provenance(rs.getString("code_version"),
            rs.getString("params_json"), rs.getString("task_queue"), rs.getString("worker_host"),
            rs.getString("worker_region")), runId);
  }

  /** Executions of a step of a run since {@code since} (the step's latest start), oldest first. */
  public List<Execution> executions(String runId, String step, Instant since) {
    return jdbc.query("SELECT * FROM step_executions WHERE run_id = ? AND step = ? AND started_at >= ? ORDER BY id",
        (rs, i) -> mapExecution(rs), runId, step, Timestamp.from(since));
  }

  /** Every execution of a run, oldest first. */
  public List<Execution> executions(String runId) {
    return jdbc.query("SELECT * FROM step_executions WHERE run_id = ? ORDER BY id", (rs, i) -> mapExecution(rs), runId);
  }

  public void recordReuse(Reuse r) {
    Integer n = jdbc.queryForObject("SELECT COUNT(*) FROM artifact_reuse WHERE run_id = ? AND artifact_uri = ?",
        Integer.class, r.runId(), r.artifactUri());
    if (n == null || n == 0) {
      jdbc.update("INSERT INTO artifact_reuse (run_id, step, artifact_uri, source_run_id, reused_at) VALUES (?, ?, ?, ?, ?)",
          r.runId(), r.step(), r.artifactUri(), r.sourceRunId(), Timestamp.from(r.reusedAt()));
    }
  }

  /** Runs that reused this artifact as a cache hit. */
  public List<Reuse> reusesOf(String artifactUri) {
    return jdbc.query("SELECT * FROM artifact_reuse WHERE artifact_uri = ? ORDER BY reused_at", (rs, i) -> new Reuse(
        rs.getString("run_id"), rs.getString("step"), rs.getString("artifact_uri"), rs.getString("source_run_id"),
        rs.getTimestamp("reused_at").toInstant()), artifactUri);
  }

  /** Artifacts a run took from other runs' cached results. */
  public List<Reuse> reusesByRun(String runId) {
    return jdbc.query("SELECT * FROM artifact_reuse WHERE run_id = ? ORDER BY step, artifact_uri", (rs, i) -> new Reuse(
        rs.getString("run_id"), rs.getString("step"), rs.getString("artifact_uri"), rs.getString("source_run_id"),
        rs.getTimestamp("reused_at").toInstant()), runId);
  }

  private static Execution mapExecution(java.sql.ResultSet rs) throws java.sql.SQLException {
    return new Execution(rs.getString("run_id"), rs.getString("step"), rs.getString("activity"), rs.getInt("attempt"),
        rs.getString("outcome"), rs.getString("cache_key"), rs.getString("source_run_id"), rs.getString("error"),
        rs.getTimestamp("started_at").toInstant(), (Long) rs.getObject("millis", Long.class));
  }
}
