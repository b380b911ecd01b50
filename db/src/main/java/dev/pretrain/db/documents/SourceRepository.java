package dev.pretrain.db.documents;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;

/** Corpus sources: one package from a registry, with the registry's checksum and license. */
public final class SourceRepository {

  public record Source(
      String sourceId, String registry, String packageName, String packageVersion, String checksumAlgo,
      String checksum, String license, String jurisdiction, long files, long bytes, Instant fetchedAt) {}

  private final JdbcTemplate jdbc;

  public SourceRepository(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  public void upsert(Source s) {
    jdbc.update("DELETE FROM sources WHERE source_id = ?", s.sourceId());
    jdbc.update(
        "INSERT INTO sources (source_id, registry, package_name, package_version, checksum_algo, checksum, license,"
            + " jurisdiction, files, bytes, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        s.sourceId(), s.registry(), s.packageName(), s.packageVersion(), s.checksumAlgo(), s.checksum(), s.license(),
        s.jurisdiction(), s.files(), s.bytes(), Timestamp.from(s.fetchedAt()));
  }

  /** The license a source declares, if the source is known and declares one. */
  public Optional<String> license(String sourceId) {
    List<String> l = jdbc.queryForList("SELECT license FROM sources WHERE source_id = ?", String.class, sourceId);
    return l.isEmpty() || l.get(0) == null || l.get(0).isBlank() ? Optional.empty() : Optional.of(l.get(0));
  }

  /** What a source holds as its corpus entry declares it (prose, docs, code), if the source is known and says. */
  public Optional<String> contentKind(String sourceId) {
    List<String> l = jdbc.queryForList("SELECT content_kind FROM sources WHERE source_id = ?", String.class, sourceId);
    return l.isEmpty() || l.get(0) == null || l.get(0).isBlank() ? Optional.empty() : Optional.of(l.get(0));
  }

  /** Sets what a source holds (prose, docs, code), as its corpus entry declares it. */
  public void setContentKind(String sourceId, String kind) {
    jdbc.update("UPDATE sources SET content_kind = ? WHERE source_id = ?", kind, sourceId);
  }

  public List<Source> all() {
    return jdbc.query("SELECT * FROM sources ORDER BY source_id", (rs, i) -> new Source(rs.getString("source_id"),
        rs.getString("registry"), rs.getString("package_name"), rs.getString("package_version"),
        rs.getString("checksum_algo"), rs.getString("checksum"), rs.getString("license"), rs.getString("jurisdiction"),
        rs.getLong("files"), rs.getLong("bytes"), rs.getTimestamp("fetched_at").toInstant()));
  }
}
