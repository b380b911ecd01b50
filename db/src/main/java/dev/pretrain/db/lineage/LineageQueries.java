package dev.pretrain.db.lineage;

import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.artifacts.ArtifactRepository.Artifact;
import dev.pretrain.db.documents.DocumentRepository.Document;
import dev.pretrain.db.documents.SourceRepository.Source;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Read-only lineage questions over our tables: which artifacts an artifact came from (up to the
 * corpus files), which were made from it, which documents it holds and where they came from, and
 * what happened to one document. The graph is walked breadth-first in Java rather than with a
 * recursive CTE, so the same code runs on H2 and PostgreSQL and the depth of each node is known.
 */
public final class LineageQueries {

  /** An artifact reached by a walk, its distance from the start and its direct neighbours in walk direction. */
  public record Node(Artifact artifact, int depth, List<String> next) {}

  /** Documents of an artifact grouped by source and license. */
  public record SourceLicenseCount(String source, String license, long documents, long chars) {}

  /**
   * A decision taken on a document by a run's step; for a dedup drop also how it was judged a copy
   * (null in rows written before V11, and for other decisions).
   */
  public record DocDecision(String runId, String step, String decision, String reason, String relatedDocId,
      String dedupKind, Double jaccardEstimated, Double jaccardExact, Integer overlapNgrams) {

    public DocDecision(String runId, String step, String decision, String reason, String relatedDocId) {
      this(runId, step, decision, reason, relatedDocId, null, null, null, null);
    }

    /** exact | fuzzy | contaminated for a dedup drop (see {@link DedupKind#of}), else null. */
    public String kind() {
      return DedupKind.of(decision, dedupKind);
    }

    /** The similarity to the kept twin to quote (see {@link DedupKind#jaccard}), or null. */
    public Double jaccard() {
      return DedupKind.jaccard(kind(), jaccardExact, jaccardEstimated);
    }
  }

  /**
   * A decision of a run that dropped a document (every decision but {@link #CHANGES}), with the
   * columns a dedup drop fills.
   */
  public record Drop(String runId, String step, String docId, String decision, String reason, String relatedDocId,
      String dedupKind, Double jaccardEstimated, Double jaccardExact, Integer overlapNgrams) {

    /** exact | fuzzy | contaminated for a dedup drop (see {@link DedupKind#of}), else the decision (filtered, ...). */
    public String kind() {
      String kind = DedupKind.of(decision, dedupKind);
      return kind == null ? decision : kind;
    }

    /** The similarity to the kept twin to quote (see {@link DedupKind#jaccard}), or null. */
    public Double jaccard() {
      return DedupKind.jaccard(kind(), jaccardExact, jaccardEstimated);
    }
  }

  /** Decisions that changed a document but kept it (ingest's normalization, curation's line edits). */
  public static final List<String> CHANGES = List.of("normalized", "changed");

  /** Whether a decision removed the document (every decision but {@link #CHANGES}). */
  public static boolean isRemoval(String decision) {
    return !CHANGES.contains(decision);
  }

  // rows a streamed query fetches per round trip
  private static final int FETCH = 1000;

  /** An artifact that holds a document, with the document's place in it. */
  public record Holding(String artifactUri, String kind, String runId, String step, long ordinal, Long tokenStart,
      Long tokenEnd) {}

  /** What a run left behind. */
  public record RunTotals(String runId, long artifacts, long bytes, Map<String, Long> artifactsByKind,
      long documentsFirstSeen, Map<String, Long> decisions, long quarantined) {}

  private final JdbcTemplate jdbc;
  private final ArtifactRepository artifacts;

  public LineageQueries(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
    this.artifacts = new ArtifactRepository(jdbc);
  }

  public Optional<Artifact> artifact(String uri) {
    return artifacts.find(uri);
  }

  public boolean runExists(String runId) {
    return count("SELECT COUNT(*) FROM runs WHERE run_id = ?", runId) > 0;
  }

  /** The artifact itself (depth 0) and everything it was made from, down to artifacts with no inputs. */
  public List<Node> upstream(String uri) {
    return walk(uri, "SELECT input_uri FROM artifact_inputs WHERE artifact_uri = ? ORDER BY input_uri");
  }

  /** The artifact itself (depth 0) and everything made from it, directly or not. */
  public List<Node> downstream(String uri) {
    return walk(uri, "SELECT artifact_uri FROM artifact_inputs WHERE input_uri = ? ORDER BY artifact_uri");
  }

  private List<Node> walk(String start, String neighbourSql) {
    List<Node> out = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    Deque<Map.Entry<String, Integer>> queue = new ArrayDeque<>();
    queue.add(Map.entry(start, 0));
    seen.add(start);
    while (!queue.isEmpty()) {
      Map.Entry<String, Integer> e = queue.poll();
      Optional<Artifact> a = artifacts.find(e.getKey());
      if (a.isEmpty()) {
        continue;
      }
      List<String> next = jdbc.queryForList(neighbourSql, String.class, e.getKey());
      out.add(new Node(a.get(), e.getValue(), next));
      for (String n : next) {
        if (seen.add(n)) {
          queue.add(Map.entry(n, e.getValue() + 1));
        }
      }
    }
    return out;
  }

  /** Documents an artifact holds (artifact_documents), by source and license. */
  public List<SourceLicenseCount> documentsBySourceAndLicense(String artifactUri) {
    return jdbc.query(
        "SELECT d.source, d.license, COUNT(*) AS n, SUM(d.chars) AS chars FROM artifact_documents ad"
            + " JOIN documents d ON d.doc_id = ad.doc_id WHERE ad.artifact_uri = ?"
            + " GROUP BY d.source, d.license ORDER BY d.source, d.license",
        (rs, i) -> new SourceLicenseCount(rs.getString("source"), rs.getString("license"), rs.getLong("n"),
            rs.getLong("chars")),
        artifactUri);
  }

  /**
   * Documents an artifact was made from, by source and license: its own membership rows, or else
   * those of the nearest upstream artifacts that have them (a quantized model or an evaluation
   * report inherits the documents its model saw). Each document is counted once.
   */
  public List<SourceLicenseCount> documentsBehind(String artifactUri) {
    List<String> holders = new ArrayList<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    java.util.ArrayDeque<String> queue = new java.util.ArrayDeque<>(List.of(artifactUri));
    while (!queue.isEmpty()) {
      String uri = queue.poll();
      if (!seen.add(uri)) {
        continue;
      }
      Long held = jdbc.queryForObject("SELECT COUNT(*) FROM artifact_documents WHERE artifact_uri = ?", Long.class, uri);
      if (held != null && held > 0) {
        holders.add(uri);
      } else {
        queue.addAll(jdbc.queryForList("SELECT input_uri FROM artifact_inputs WHERE artifact_uri = ?", String.class, uri));
      }
    }
    if (holders.isEmpty()) {
      return List.of();
    }
    String in = String.join(", ", java.util.Collections.nCopies(holders.size(), "?"));
    return jdbc.query(
        "SELECT d.source, d.license, COUNT(*) AS n, SUM(d.chars) AS chars FROM documents d WHERE d.doc_id IN"
            + " (SELECT DISTINCT doc_id FROM artifact_documents WHERE artifact_uri IN (" + in + "))"
            + " GROUP BY d.source, d.license ORDER BY d.source, d.license",
        (rs, i) -> new SourceLicenseCount(rs.getString("source"), rs.getString("license"), rs.getLong("n"),
            rs.getLong("chars")),
        holders.toArray());
  }

  /** Documents first read from an input file (a corpus object), by source and license. */
  public List<SourceLicenseCount> documentsReadFrom(String inputUri) {
    return jdbc.query(
        "SELECT d.source, d.license, COUNT(*) AS n, SUM(d.chars) AS chars FROM documents d WHERE d.input_uri = ?"
            + " GROUP BY d.source, d.license ORDER BY d.source, d.license",
        (rs, i) -> new SourceLicenseCount(rs.getString("source"), rs.getString("license"), rs.getLong("n"),
            rs.getLong("chars")),
        inputUri);
  }

  /** Registry rows of the sources whose documents an artifact holds (or, for a corpus file, was read from). */
  public List<Source> sourcesOf(String artifactUri) {
    return jdbc.query(
        "SELECT * FROM sources s WHERE s.source_id IN ("
            + "SELECT d.source FROM artifact_documents ad JOIN documents d ON d.doc_id = ad.doc_id"
            + " WHERE ad.artifact_uri = ?"
            + " UNION SELECT d.source FROM documents d WHERE d.input_uri = ?) ORDER BY s.source_id",
        (rs, i) -> mapSource(rs), artifactUri, artifactUri);
  }

  public Optional<Source> source(String sourceId) {
    return jdbc.query("SELECT * FROM sources WHERE source_id = ?", (rs, i) -> mapSource(rs), sourceId).stream()
        .findFirst();
  }

  public Optional<Document> document(String docId) {
    return jdbc.query("SELECT * FROM documents WHERE doc_id = ?", (rs, i) -> new Document(rs.getString("doc_id"),
        rs.getString("source"), rs.getString("source_version"), rs.getString("path"), rs.getString("license"),
        rs.getString("language"), rs.getString("jurisdiction"), rs.getString("content_sha256"), rs.getLong("chars"),
        rs.getString("input_uri"), rs.getLong("input_line"), rs.getString("first_run_id"), rs.getString("url"),
        rs.getString("fetched_at")), docId).stream().findFirst();
  }

  /** Decisions on a document in every run. */
  public List<DocDecision> decisionsOn(String docId) {
    return jdbc.query(
        "SELECT run_id, step, doc_id, decision, reason, related_doc_id, dedup_kind, jaccard_estimated, jaccard_exact,"
            + " overlap_ngrams FROM document_decisions WHERE doc_id = ? ORDER BY run_id, step",
        (rs, i) -> new DocDecision(rs.getString("run_id"), rs.getString("step"), rs.getString("decision"),
            rs.getString("reason"), rs.getString("related_doc_id"), rs.getString("dedup_kind"),
            rs.getObject("jaccard_estimated", Double.class), rs.getObject("jaccard_exact", Double.class),
            rs.getObject("overlap_ngrams", Integer.class)),
        docId);
  }

  /**
   * Hands each decision of a run that dropped a document to {@code each}, of one step or (step null)
   * of all, ordered by step and document id, and returns how many there were. The rows are streamed
   * (the primary key's order, {@value #FETCH} per round trip; on PostgreSQL inside a read
   * transaction, as its driver streams only there), so a run's millions of decisions are never all
   * in memory.
   */
  public long forEachDrop(String runId, String step, Consumer<Drop> each) {
    String sql = "SELECT run_id, step, doc_id, decision, reason, related_doc_id, dedup_kind, jaccard_estimated,"
        + " jaccard_exact, overlap_ngrams FROM document_decisions WHERE run_id = ?"
        + (step == null ? "" : " AND step = ?")
        + " AND decision NOT IN (" + String.join(", ", CHANGES.stream().map(c -> "'" + c + "'").toList()) + ")"
        + " ORDER BY step, doc_id";
    Long n = jdbc.execute((ConnectionCallback<Long>) c -> {
      boolean autoCommit = c.getAutoCommit();
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement(sql, ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY)) {
        ps.setFetchSize(FETCH);
        ps.setString(1, runId);
        if (step != null) {
          ps.setString(2, step);
        }
        long count = 0;
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            each.accept(new Drop(rs.getString("run_id"), rs.getString("step"), rs.getString("doc_id"),
                rs.getString("decision"), rs.getString("reason"), rs.getString("related_doc_id"),
                rs.getString("dedup_kind"), rs.getObject("jaccard_estimated", Double.class),
                rs.getObject("jaccard_exact", Double.class), rs.getObject("overlap_ngrams", Integer.class)));
            count++;
          }
        }
        return count;
      } finally {
        try {
          c.rollback(); // nothing was written: ends the read transaction
          c.setAutoCommit(autoCommit);
        } catch (SQLException e) {
          // a broken connection: the pool replaces it, and the query's own error (if any) is the one to see
        }
      }
    });
    return n == null ? 0 : n;
  }

  /** The steps of a run that recorded decisions, in name order. */
  public List<String> stepsWithDecisions(String runId) {
    return jdbc.queryForList("SELECT DISTINCT step FROM document_decisions WHERE run_id = ? ORDER BY step",
        String.class, runId);
  }

  /** Documents dropped in favour of this one (it was the kept twin). */
  public List<String> twinsDroppedFor(String docId) {
    return jdbc.queryForList(
        "SELECT DISTINCT doc_id FROM document_decisions WHERE related_doc_id = ? ORDER BY doc_id", String.class, docId);
  }

  public List<Holding> artifactsHolding(String docId) {
    return jdbc.query(
        "SELECT a.uri, a.kind, a.run_id, a.step, ad.ordinal, ad.token_start, ad.token_end FROM artifact_documents ad"
            + " JOIN artifacts a ON a.uri = ad.artifact_uri WHERE ad.doc_id = ? ORDER BY a.run_id, a.step, a.uri",
        (rs, i) -> new Holding(rs.getString("uri"), rs.getString("kind"), rs.getString("run_id"), rs.getString("step"),
            rs.getLong("ordinal"), (Long) rs.getObject("token_start", Long.class),
            (Long) rs.getObject("token_end", Long.class)),
        docId);
  }

  public RunTotals runTotals(String runId) {
    Map<String, Long> byKind = new LinkedHashMap<>();
    long[] sums = new long[2];
    jdbc.query("SELECT kind, COUNT(*) AS n, SUM(size_bytes) AS bytes FROM artifacts WHERE run_id = ?"
        + " GROUP BY kind ORDER BY kind", rs -> {
          byKind.put(rs.getString("kind"), rs.getLong("n"));
          sums[0] += rs.getLong("n");
          sums[1] += rs.getLong("bytes");
        }, runId);
    Map<String, Long> decisions = new LinkedHashMap<>();
    jdbc.query("SELECT step, decision, COUNT(*) AS n FROM document_decisions WHERE run_id = ?"
        + " GROUP BY step, decision ORDER BY step, decision",
        rs -> {
          decisions.put(rs.getString("step") + "/" + rs.getString("decision"), rs.getLong("n"));
        }, runId);
    return new RunTotals(runId, sums[0], sums[1], byKind,
        count("SELECT COUNT(*) FROM documents WHERE first_run_id = ?", runId), decisions,
        count("SELECT COUNT(*) FROM quarantine WHERE run_id = ?", runId));
  }

  /** Artifacts a run read that it did not make itself (corpus files, or outputs of earlier runs). */
  public List<String> externalInputsOfRun(String runId) {
    return jdbc.queryForList(
        "SELECT DISTINCT ai.input_uri FROM artifact_inputs ai JOIN artifacts a ON a.uri = ai.artifact_uri"
            + " JOIN artifacts i ON i.uri = ai.input_uri"
            + " WHERE a.run_id = ? AND (i.run_id IS NULL OR i.run_id <> ?) ORDER BY ai.input_uri",
        String.class, runId, runId);
  }

  public List<Artifact> artifactsOfRun(String runId) {
    return artifacts.byRun(runId);
  }

  private long count(String sql, Object... args) {
    Long n = jdbc.queryForObject(sql, Long.class, args);
    return n == null ? 0 : n;
  }

  private static Source mapSource(ResultSet rs) throws SQLException {
    return new Source(rs.getString("source_id"), rs.getString("registry"), rs.getString("package_name"),
        rs.getString("package_version"), rs.getString("checksum_algo"), rs.getString("checksum"),
        rs.getString("license"), rs.getString("jurisdiction"), rs.getLong("files"), rs.getLong("bytes"),
        rs.getTimestamp("fetched_at").toInstant());
  }
}
