package dev.pretrain.db.documents;

import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;

/** Documents, the artifacts that hold them, the decisions taken on them, and quarantined records. */
public final class DocumentRepository {

  /**
   * @param url       where a web document was fetched from (a WARC record's target URI), or null
   * @param fetchedAt when it was fetched, as the input gave it (an ISO-8601 instant for WARC), or null
   */
  public record Document(
      String docId, String source, String sourceVersion, String path, String license, String language,
      String jurisdiction, String contentSha256, long chars, String inputUri, long inputLine, String firstRunId,
      String url, String fetchedAt) {

    /** A document that was not fetched from the web (no url, no fetch time). */
    public Document(String docId, String source, String sourceVersion, String path, String license, String language,
        String jurisdiction, String contentSha256, long chars, String inputUri, long inputLine, String firstRunId) {
      this(docId, source, sourceVersion, path, license, language, jurisdiction, contentSha256, chars, inputUri,
          inputLine, firstRunId, null, null);
    }
  }

  /**
   * A document as one run's ingest partition read it.
   *
   * @param detectedLanguage the language curation identified ("und" when unsure), or null without curation
   * @param outcome          {@link #KEPT} or {@link #FILTERED}
   */
  public record RunDocument(Document document, int part, String detectedLanguage, String outcome) {}

  public static final String KEPT = "kept";
  public static final String FILTERED = "filtered";

  /**
   * A document's place in an artifact; token range is null for text shards.
   *
   * @param tokens tokens of the document the artifact consumed (a model's rows), else null
   */
  public record Membership(String docId, long ordinal, Long tokenStart, Long tokenEnd, Long tokens) {

    public Membership(String docId, long ordinal, Long tokenStart, Long tokenEnd) {
      this(docId, ordinal, tokenStart, tokenEnd, null);
    }
  }

  /**
   * A decision that removed or changed a document. For dedup drops: {@code dedupKind} exact | fuzzy |
   * contaminated, the similarity to the kept twin (estimated from MinHash signatures; exact from the
   * 5-gram sets, when checked) or, when contaminated, the shared n-grams with {@code relatedDocId}.
   */
  public record Decision(String docId, String decision, String reason, String relatedDocId, String dedupKind,
      Double jaccardEstimated, Double jaccardExact, Integer overlapNgrams) {

    public Decision(String docId, String decision, String reason, String relatedDocId) {
      this(docId, decision, reason, relatedDocId, null, null, null, null);
    }
  }

  public record Quarantined(String inputUri, long line, Long byteOffset, String disposition, String reason) {}

  private final JdbcTemplate jdbc;

  public DocumentRepository(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * Records documents: a new id gets a row; a known one gets this version's fields (the newest version
   * wins, first_run_id stays, last_run_id moves). A run's own versions are in run_documents.
   */
  public void upsert(List<Document> docs) {
    jdbc.batchUpdate("UPDATE documents SET source = ?, source_version = ?, path = ?, license = ?, language = ?,"
        + " jurisdiction = ?, content_sha256 = ?, chars = ?, input_uri = ?, input_line = ?, url = ?, fetched_at = ?,"
        + " last_run_id = ? WHERE doc_id = ?", docs, 500, (ps, d) -> {
          ps.setString(1, d.source());
          ps.setString(2, d.sourceVersion());
          ps.setString(3, d.path());
          ps.setString(4, d.license());
          ps.setString(5, d.language());
          ps.setString(6, d.jurisdiction());
          ps.setString(7, d.contentSha256());
          ps.setLong(8, d.chars());
          ps.setString(9, d.inputUri());
          ps.setLong(10, d.inputLine());
          ps.setString(11, d.url());
          ps.setString(12, d.fetchedAt());
          ps.setString(13, d.firstRunId());
          ps.setString(14, d.docId());
        });
    insertNew(docs);
  }

  /** Clears what a run's ingest partition recorded in run_documents (a redone partition writes it all again). */
  public void clearRunPartition(String runId, int part) {
    jdbc.update("DELETE FROM run_documents WHERE run_id = ? AND part = ?", runId, part);
  }

  /** Adds a run's documents (after {@link #clearRunPartition} for a partition's first chunk). */
  public void recordRunDocuments(String runId, List<RunDocument> docs) {
    jdbc.batchUpdate("INSERT INTO run_documents (run_id, part, doc_id, source, source_version, path, license, language,"
        + " detected_language, jurisdiction, content_sha256, chars, input_uri, input_line, outcome)"
        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", docs, 1000, (ps, r) -> {
          Document d = r.document();
          ps.setString(1, runId);
          ps.setInt(2, r.part());
          ps.setString(3, d.docId());
          ps.setString(4, d.source());
          ps.setString(5, d.sourceVersion());
          ps.setString(6, d.path());
          ps.setString(7, d.license());
          ps.setString(8, d.language());
          ps.setString(9, r.detectedLanguage());
          ps.setString(10, d.jurisdiction());
          ps.setString(11, d.contentSha256());
          ps.setLong(12, d.chars());
          ps.setString(13, d.inputUri());
          ps.setLong(14, d.inputLine());
          ps.setString(15, r.outcome());
        });
  }

  /** Inserts documents not seen before; a document id already known keeps its row. */
  public void insertNew(List<Document> docs) {
    // INSERT ... SELECT ... WHERE NOT EXISTS runs on both H2 and PostgreSQL (H2 has no ON CONFLICT)
    jdbc.batchUpdate(
        "INSERT INTO documents (doc_id, source, source_version, path, license, language, jurisdiction,"
            + " content_sha256, chars, input_uri, input_line, first_run_id, url, fetched_at, last_run_id)"
            + " SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
            + " WHERE NOT EXISTS (SELECT 1 FROM documents WHERE doc_id = ?)",
        docs, 500, (ps, d) -> {
          ps.setString(1, d.docId());
          ps.setString(2, d.source());
          ps.setString(3, d.sourceVersion());
          ps.setString(4, d.path());
          ps.setString(5, d.license());
          ps.setString(6, d.language());
          ps.setString(7, d.jurisdiction());
          ps.setString(8, d.contentSha256());
          ps.setLong(9, d.chars());
          ps.setString(10, d.inputUri());
          ps.setLong(11, d.inputLine());
          ps.setString(12, d.firstRunId());
          ps.setString(13, d.url());
          ps.setString(14, d.fetchedAt());
          ps.setString(15, d.firstRunId());
          ps.setString(16, d.docId());
        });
  }

  /** Replaces the membership rows of an artifact (a retried step rewrites the same artifact). */
  public void replaceMembers(String artifactUri, List<Membership> members) {
    jdbc.update("DELETE FROM artifact_documents WHERE artifact_uri = ?", artifactUri);
    jdbc.batchUpdate(
        "INSERT INTO artifact_documents (artifact_uri, doc_id, ordinal, token_start, token_end, tokens)"
            + " VALUES (?, ?, ?, ?, ?, ?)",
        members, 1000, (ps, m) -> {
          ps.setString(1, artifactUri);
          ps.setString(2, m.docId());
          ps.setLong(3, m.ordinal());
          ps.setObject(4, m.tokenStart());
          ps.setObject(5, m.tokenEnd());
          ps.setObject(6, m.tokens());
        });
  }

  /** Records decisions of a run's step, replacing any earlier ones for the same documents. */
  public void recordDecisions(String runId, String step, List<Decision> decisions) {
    jdbc.batchUpdate("DELETE FROM document_decisions WHERE run_id = ? AND step = ? AND doc_id = ?",
        decisions, 1000, (ps, d) -> {
          ps.setString(1, runId);
          ps.setString(2, step);
          ps.setString(3, d.docId());
        });
    jdbc.batchUpdate(
        "INSERT INTO document_decisions (run_id, step, doc_id, decision, reason, related_doc_id, dedup_kind,"
            + " jaccard_estimated, jaccard_exact, overlap_ngrams) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        decisions, 1000, (ps, d) -> {
          ps.setString(1, runId);
          ps.setString(2, step);
          ps.setString(3, d.docId());
          ps.setString(4, d.decision());
          ps.setString(5, d.reason());
          ps.setString(6, d.relatedDocId());
          ps.setString(7, d.dedupKind());
          ps.setObject(8, d.jaccardEstimated());
          ps.setObject(9, d.jaccardExact());
          ps.setObject(10, d.overlapNgrams());
        });
  }

  /** Records quarantined/rejected records of one input file, replacing earlier rows for that file. */
  public void replaceQuarantine(String runId, String step, String inputUri, List<Quarantined> rows) {
    jdbc.update("DELETE FROM quarantine WHERE run_id = ? AND step = ? AND input_uri = ?", runId, step, inputUri);
    jdbc.batchUpdate(
        "INSERT INTO quarantine (run_id, step, input_uri, line, byte_offset, disposition, reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows, 1000, (ps, q) -> {
          ps.setString(1, runId);
          ps.setString(2, step);
          ps.setString(3, q.inputUri());
          ps.setLong(4, q.line());
          ps.setObject(5, q.byteOffset());
          ps.setString(6, q.disposition());
          ps.setString(7, q.reason());
        });
  }

  /**
   * Adds quarantined/rejected rows without deleting any: for a step that streams many bad records of a
   * file (clear the file first with {@link #replaceQuarantine} and an empty list, in the same transaction).
   */
  public void appendQuarantine(String runId, String step, List<Quarantined> rows) {
    jdbc.batchUpdate(
        "INSERT INTO quarantine (run_id, step, input_uri, line, byte_offset, disposition, reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows, 1000, (ps, q) -> {
          ps.setString(1, runId);
          ps.setString(2, step);
          ps.setString(3, q.inputUri());
          ps.setLong(4, q.line());
          ps.setObject(5, q.byteOffset());
          ps.setString(6, q.disposition());
          ps.setString(7, q.reason());
        });
  }

  public List<Quarantined> quarantine(String runId) {
    return jdbc.query("SELECT * FROM quarantine WHERE run_id = ? ORDER BY input_uri, line",
        (rs, i) -> new Quarantined(rs.getString("input_uri"), rs.getLong("line"),
            (Long) rs.getObject("byte_offset", Long.class), rs.getString("disposition"), rs.getString("reason")),
        runId);
  }

  public List<Decision> decisions(String runId, String step) {
    return jdbc.query("SELECT * FROM document_decisions WHERE run_id = ? AND step = ? ORDER BY doc_id",
        (rs, i) -> new Decision(rs.getString("doc_id"), rs.getString("decision"), rs.getString("reason"),
            rs.getString("related_doc_id"), rs.getString("dedup_kind"), rs.getObject("jaccard_estimated", Double.class),
            rs.getObject("jaccard_exact", Double.class), rs.getObject("overlap_ngrams", Integer.class)),
        runId, step);
  }

  /** Membership rows of an artifact in ordinal order (for token shards: each document's token range). */
  public List<Membership> members(String artifactUri) {
    return jdbc.query("SELECT * FROM artifact_documents WHERE artifact_uri = ? ORDER BY ordinal",
        (rs, i) -> new Membership(rs.getString("doc_id"), rs.getLong("ordinal"),
            (Long) rs.getObject("token_start", Long.class), (Long) rs.getObject("token_end", Long.class),
            (Long) rs.getObject("tokens", Long.class)),
        artifactUri);
  }

  /** A member document's token range in a token shard, with the document's source. */
  public record SourcedRange(String docId, String source, long tokenStart, long tokenEnd) {}

  /** The token ranges of a token shard's documents in ordinal order, each with its document's source. */
  public List<SourcedRange> sourcedRanges(String artifactUri) {
    return jdbc.query("SELECT ad.doc_id, d.source, ad.token_start, ad.token_end FROM artifact_documents ad "
            + "JOIN documents d ON d.doc_id = ad.doc_id WHERE ad.artifact_uri = ? AND ad.token_start IS NOT NULL "
            + "ORDER BY ad.ordinal",
        (rs, i) -> new SourcedRange(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4)), artifactUri);
  }

  public long countMembers(String artifactUri) {
    return jdbc.queryForObject("SELECT COUNT(*) FROM artifact_documents WHERE artifact_uri = ?", Long.class, artifactUri);
  }
}
