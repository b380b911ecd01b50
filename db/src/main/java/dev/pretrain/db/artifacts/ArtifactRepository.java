package dev.pretrain.db.artifacts;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;

/** Artifacts and their input edges (the lineage graph between stored objects). */
public final class ArtifactRepository {

  /** One stored artifact. {@code runId}/{@code step} are null for corpus files fetched outside a run. */
  public record Artifact(
      String uri, String sha256, long sizeBytes, String kind, String runId, String step,
      String storageEndpoint, String region, Instant createdAt) {}

  private final JdbcTemplate jdbc;
  private final org.springframework.transaction.support.TransactionTemplate tx;

  public ArtifactRepository(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
    this.tx = new org.springframework.transaction.support.TransactionTemplate(
        new org.springframework.jdbc.datasource.DataSourceTransactionManager(jdbc.getDataSource()));
  }

  /**
   * Records an artifact, replacing an earlier row with the same URI (a retried step writes the same
   * key), and its inputs. Inputs must already be recorded.
   */
  public void record(Artifact a, Collection<String> inputUris) {
    // one transaction: a worker killed half-way must not leave an artifact without its input edges
    tx.executeWithoutResult(status -> recordInTransaction(a, inputUris));
  }

  private void recordInTransaction(Artifact a, Collection<String> inputUris) {
    jdbc.update("DELETE FROM artifact_inputs WHERE artifact_uri = ?", a.uri());
    int updated = jdbc.update(
        "UPDATE artifacts SET sha256 = ?, size_bytes = ?, kind = ?, run_id = ?, step = ?, storage_endpoint = ?,"
            + " region = ?, created_at = ? WHERE uri = ?",
        a.sha256(), a.sizeBytes(), a.kind(), a.runId(), a.step(), a.storageEndpoint(), a.region(),
        Timestamp.from(a.createdAt()), a.uri());
    if (updated == 0) {
      jdbc.update(
          "INSERT INTO artifacts (uri, sha256, size_bytes, kind, run_id, step, storage_endpoint, region, created_at)"
              + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
          a.uri(), a.sha256(), a.sizeBytes(), a.kind(), a.runId(), a.step(), a.storageEndpoint(), a.region(),
          Timestamp.from(a.createdAt()));
    }
    for (String input : inputUris) {
      jdbc.update("INSERT INTO artifact_inputs (artifact_uri, input_uri) VALUES (?, ?)", a.uri(), input);
    }
  }

  public Optional<Artifact> find(String uri) {
    return jdbc.query("SELECT * FROM artifacts WHERE uri = ?", (rs, i) -> map(rs), uri).stream().findFirst();
  }

  public List<Artifact> byRun(String runId) {
    return jdbc.query("SELECT * FROM artifacts WHERE run_id = ? ORDER BY step, uri", (rs, i) -> map(rs), runId);
  }

  public List<String> inputsOf(String uri) {
    return jdbc.queryForList("SELECT input_uri FROM artifact_inputs WHERE artifact_uri = ? ORDER BY input_uri",
        String.class, uri);
  }

  /** The jurisdictions of the documents an artifact holds (as recorded in artifact_documents), sorted. */
  public List<String> jurisdictionsOf(String uri) {
    return jdbc.queryForList("SELECT DISTINCT d.jurisdiction FROM artifact_documents ad JOIN documents d"
        + " ON d.doc_id = ad.doc_id WHERE ad.artifact_uri = ? AND d.jurisdiction IS NOT NULL ORDER BY d.jurisdiction",
        String.class, uri);
  }

  private static Artifact map(java.sql.ResultSet rs) throws java.sql.SQLException {
    return new Artifact(rs.getString("uri"), rs.getString("sha256"), rs.getLong("size_bytes"), rs.getString("kind"),
        rs.getString("run_id"), rs.getString("step"), rs.getString("storage_endpoint"), rs.getString("region"),
        rs.getTimestamp("created_at").toInstant());
  }
}
