package dev.pretrain.db.evaluations;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;

/** Validation metrics of a run's models, one row per (run, label). */
public final class EvaluationRepository {

  /**
   * @param modelUri  the evaluated model artifact; null for the untrained model
   * @param reportUri the JSON report in storage
   */
  public record Evaluation(String runId, String label, String modelUri, double loss, double perplexity,
      double bitsPerByte, long tokens, long bytes, String reportUri, Instant createdAt) {}

  /** One source's share of an evaluation: its held-out documents read and the metrics on their tokens. */
  public record SourceEvaluation(String source, long documents, double loss, double perplexity, double bitsPerByte,
      long tokens, long bytes) {}

  private final JdbcTemplate jdbc;

  public EvaluationRepository(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** Records an evaluation, replacing an earlier row with the same run and label (a retried step). */
  public void replace(Evaluation e) {
    int updated = jdbc.update(
        "UPDATE evaluations SET model_uri = ?, loss = ?, perplexity = ?, bits_per_byte = ?, tokens = ?, bytes = ?,"
            + " report_uri = ?, created_at = ? WHERE run_id = ? AND label = ?",
        e.modelUri(), e.loss(), e.perplexity(), e.bitsPerByte(), e.tokens(), e.bytes(), e.reportUri(),
        Timestamp.from(e.createdAt()), e.runId(), e.label());
    if (updated == 0) {
      jdbc.update(
          "INSERT INTO evaluations (run_id, label, model_uri, loss, perplexity, bits_per_byte, tokens, bytes,"
              + " report_uri, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          e.runId(), e.label(), e.modelUri(), e.loss(), e.perplexity(), e.bitsPerByte(), e.tokens(), e.bytes(),
          e.reportUri(), Timestamp.from(e.createdAt()));
    }
  }

  /** Replaces the per-source rows of (run, label) with {@code sources}. */
  public void replaceSources(String runId, String label, List<SourceEvaluation> sources) {
    jdbc.update("DELETE FROM evaluation_sources WHERE run_id = ? AND label = ?", runId, label);
    for (SourceEvaluation s : sources) {
      jdbc.update("INSERT INTO evaluation_sources (run_id, label, source, documents, loss, perplexity, bits_per_byte,"
              + " tokens, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
          runId, label, s.source(), s.documents(), s.loss(), s.perplexity(), s.bitsPerByte(), s.tokens(), s.bytes());
    }
  }

  /** The per-source rows of (run, label), by source. */
  public List<SourceEvaluation> sources(String runId, String label) {
    return jdbc.query("SELECT * FROM evaluation_sources WHERE run_id = ? AND label = ? ORDER BY source",
        (rs, i) -> new SourceEvaluation(rs.getString("source"), rs.getLong("documents"), rs.getDouble("loss"),
            rs.getDouble("perplexity"), rs.getDouble("bits_per_byte"), rs.getLong("tokens"), rs.getLong("bytes")),
        runId, label);
  }

  public Optional<Evaluation> find(String runId, String label) {
    return jdbc.query("SELECT * FROM evaluations WHERE run_id = ? AND label = ?", (rs, i) -> map(rs), runId, label)
        .stream().findFirst();
  }

  /** A run's evaluations in the order they were made. */
  public List<Evaluation> byRun(String runId) {
    return jdbc.query("SELECT * FROM evaluations WHERE run_id = ? ORDER BY created_at, label", (rs, i) -> map(rs),
        runId);
  }

  private static Evaluation map(ResultSet rs) throws SQLException {
    return new Evaluation(rs.getString("run_id"), rs.getString("label"), rs.getString("model_uri"),
        rs.getDouble("loss"), rs.getDouble("perplexity"), rs.getDouble("bits_per_byte"), rs.getLong("tokens"),
        rs.getLong("bytes"), rs.getString("report_uri"), rs.getTimestamp("created_at").toInstant());
  }
}
