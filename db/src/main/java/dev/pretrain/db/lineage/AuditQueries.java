package dev.pretrain.db.lineage;

import dev.pretrain.db.artifacts.ArtifactRepository.Artifact;
import dev.pretrain.db.curation.CurationRepository.Tally;
import dev.pretrain.db.documents.SourceRepository.Source;
import dev.pretrain.db.runs.RunRepository.Run;
import dev.pretrain.db.storage.RunObjectKeys;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The set-at-a-time questions behind an audit report: everything an artifact (a model, usually) was
 * made from, the documents behind it grouped by source, license, jurisdiction and language, what
 * became of every input record of the runs that made its data, and where and with which code each
 * step ran. Each question is a handful of queries whatever the number of documents (the graph is
 * walked one level per query, documents are grouped in the database), so a report stays fast on
 * runs of hundreds of thousands of documents.
 */
public final class AuditQueries {

  // IN lists are cut to this size: H2 and PostgreSQL accept far more, but plans stay simple.
  private static final int IN_CHUNK = 500;

  /**
   * What an artifact was made from.
   *
   * @param subject    the artifact asked about
   * @param artifacts  it and everything upstream of it, nearest first
   * @param inputs     each artifact's direct inputs (edges of the lineage graph)
   * @param holders    the nearest artifacts (the subject itself, or upstream) that list their documents
   * @param ingestParts per run, the ingest partitions whose documents are behind the subject
   * @param dedupRuns  runs whose dedup output is behind the subject
   * @param runIds     every run that made an artifact in the scope
   */
  public record Scope(Artifact subject, List<Artifact> artifacts, Map<String, List<String>> inputs,
      List<String> holders, Map<String, Set<Integer>> ingestParts, Set<String> dedupRuns, Set<String> runIds) {}

  /** Documents behind the subject with the same source, license, jurisdiction and languages. */
  public record DocGroup(String source, String license, String jurisdiction, String language,
      String detectedLanguage, long documents, long chars, long tokens) {}

  /** Executions of a step's activities that ran alike: same code, queue, host and region, same outcome. */
  public record ExecutionGroup(String runId, String step, String activity, String outcome, String codeVersion,
      String taskQueue, String workerHost, String workerRegion, long executions) {}

  private final JdbcTemplate jdbc;

  public AuditQueries(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  /** The scope of an artifact, or empty when it is not recorded. */
  public Optional<Scope> scope(String uri) {
    List<Artifact> start = artifacts(List.of(uri));
    if (start.isEmpty()) {
      return Optional.empty();
    }
    Map<String, Artifact> seen = new LinkedHashMap<>();
    Map<String, List<String>> inputs = new LinkedHashMap<>();
    seen.put(uri, start.get(0));
    List<String> frontier = List.of(uri);
    while (!frontier.isEmpty()) {
      Map<String, List<String>> edges = inputsOf(frontier);
      inputs.putAll(edges);
      Set<String> next = new LinkedHashSet<>();
      for (List<String> in : edges.values()) {
        for (String i : in) {
          if (!seen.containsKey(i)) {
            next.add(i);
          }
        }
      }
      for (Artifact a : artifacts(next)) {
        seen.put(a.uri(), a);
      }
      next.retainAll(seen.keySet());
      frontier = new ArrayList<>(next);
    }
    List<String> holders = holders(uri, inputs);
    Map<String, Set<Integer>> ingestParts = new TreeMap<>();
    Set<String> dedupRuns = new TreeSet<>();
    Set<String> runIds = new TreeSet<>();
    for (Artifact a : seen.values()) {
      if (a.runId() != null) {
        runIds.add(a.runId());
      }
    }
    Artifact subject = start.get(0);
    if (subject.runId() != null && MODEL_STEPS.contains(subject.step())) {
      // a model answers for all the data its run ingested and deduplicated, not only the training split
      // upstream of it: held-out documents and records that never became documents are part of its story
      for (Artifact a : artifacts(stepOutputs(subject.runId(), "ingest"))) {
        addPart(ingestParts, a);
        runIds.add(a.runId());
      }
      for (Artifact a : artifacts(stepOutputs(subject.runId(), "dedup"))) {
        dedupRuns.add(a.runId());
        runIds.add(a.runId());
      }
    }
    if (ingestParts.isEmpty()) { // any other artifact: what is upstream of it
      for (Artifact a : seen.values()) {
        addPart(ingestParts, a);
        if (a.runId() != null && "dedup".equals(a.step())) {
          dedupRuns.add(a.runId());
        }
      }
    }
    return Optional.of(new Scope(start.get(0), List.copyOf(seen.values()), inputs, holders, ingestParts, dedupRuns,
        runIds));
  }

  private static final Set<String> MODEL_STEPS = Set.of("train", "evaluate", "quantize", "export");

  private static void addPart(Map<String, Set<Integer>> parts, Artifact a) {
    int part = a.runId() != null && "ingest".equals(a.step()) ? RunObjectKeys.ingestPartitionOf(a.uri()) : -1;
    if (part >= 0) {
      parts.computeIfAbsent(a.runId(), r -> new TreeSet<>()).add(part);
    }
  }

  /** What a run's step produced: its own artifacts and those it took from other runs' cached results. */
  private List<String> stepOutputs(String runId, String step) {
    List<String> out = new ArrayList<>(jdbc.queryForList("SELECT uri FROM artifacts WHERE run_id = ? AND step = ?",
        String.class, runId, step));
    out.addAll(jdbc.queryForList("SELECT artifact_uri FROM artifact_reuse WHERE run_id = ? AND step = ?", String.class,
        runId, step));
    return out;
  }

  /** The subject if it lists documents, else the nearest upstream artifacts that do (breadth first). */
  private List<String> holders(String uri, Map<String, List<String>> inputs) {
    List<String> level = List.of(uri);
    Set<String> visited = new LinkedHashSet<>(level);
    while (!level.isEmpty()) {
      // EXISTS, not DISTINCT: a model lists hundreds of thousands of documents
      List<String> holding = jdbcIn("SELECT a.uri FROM artifacts a WHERE a.uri IN (%s) AND EXISTS"
          + " (SELECT 1 FROM artifact_documents ad WHERE ad.artifact_uri = a.uri)", level, (rs, i) -> rs.getString(1));
      if (!holding.isEmpty()) {
        Collections.sort(holding);
        return holding;
      }
      List<String> next = new ArrayList<>();
      for (String u : level) {
        for (String in : inputs.getOrDefault(u, List.of())) {
          if (visited.add(in)) {
            next.add(in);
          }
        }
      }
      level = next;
    }
    return List.of();
  }

  /**
   * The documents the holders list, grouped, with the fields each had in the run that ingested it:
   * the holders' stored composition where it was recorded (models, see {@link #recordComposition}),
   * else computed by joining their membership rows with the scope's run_documents.
   */
  public List<DocGroup> documentsBehind(Scope scope) {
    Map<List<String>, long[]> groups = new TreeMap<>(AuditQueries::compareKeys);
    for (String holder : scope.holders()) {
      List<DocGroup> stored = storedComposition(holder);
      for (DocGroup g : stored.isEmpty() ? computeComposition(holder, scope) : stored) {
        long[] v = groups.computeIfAbsent(java.util.Arrays.asList(g.source(), g.license(), g.jurisdiction(),
            g.language(), g.detectedLanguage()), k -> new long[3]);
        v[0] += g.documents();
        v[1] += g.chars();
        v[2] += g.tokens();
      }
    }
    List<DocGroup> out = new ArrayList<>(groups.size());
    groups.forEach((k, v) -> out.add(new DocGroup(k.get(0), k.get(1), k.get(2), k.get(3), k.get(4), v[0], v[1], v[2])));
    return out;
  }

  /**
   * Computes and stores what an artifact (a model) is made of, so that reports read a few rows
   * instead of joining all its documents again; replaces an earlier composition of the same artifact.
   *
   * @return the groups stored
   */
  public List<DocGroup> recordComposition(String uri) {
    Optional<Scope> scope = scope(uri);
    if (scope.isEmpty()) {
      throw new IllegalArgumentException("no artifact " + uri);
    }
    List<DocGroup> groups = computeComposition(uri, scope.get());
    jdbc.update("DELETE FROM artifact_composition WHERE artifact_uri = ?", uri);
    int[] ordinal = {0};
    jdbc.batchUpdate("INSERT INTO artifact_composition (artifact_uri, ordinal, source, license, jurisdiction, language,"
        + " detected_language, documents, chars, tokens) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", groups, 500, (ps, g) -> {
          ps.setString(1, uri);
          ps.setInt(2, ordinal[0]++);
          ps.setString(3, g.source());
          ps.setString(4, g.license());
          ps.setString(5, g.jurisdiction());
          ps.setString(6, g.language());
          ps.setString(7, g.detectedLanguage());
          ps.setLong(8, g.documents());
          ps.setLong(9, g.chars());
          ps.setLong(10, g.tokens());
        });
    return groups;
  }

  private List<DocGroup> storedComposition(String uri) {
    return jdbc.query("SELECT * FROM artifact_composition WHERE artifact_uri = ? ORDER BY ordinal", (rs, i) -> new DocGroup(
        rs.getString("source"), rs.getString("license"), rs.getString("jurisdiction"), rs.getString("language"),
        rs.getString("detected_language"), rs.getLong("documents"), rs.getLong("chars"), rs.getLong("tokens")), uri);
  }

  /** The join: the holder's membership rows with the run_documents of the scope's ingest partitions. */
  private List<DocGroup> computeComposition(String holder, Scope scope) {
    List<DocGroup> out = new ArrayList<>();
    for (Map.Entry<String, Set<Integer>> run : scope.ingestParts().entrySet()) {
      List<Object> args = new ArrayList<>();
      args.add(holder);
      args.add(run.getKey());
      args.addAll(run.getValue());
      out.addAll(jdbc.query("SELECT rd.source, rd.license, rd.jurisdiction, rd.language, rd.detected_language,"
              + " COUNT(*) AS n, SUM(rd.chars) AS chars, SUM(ad.tokens) AS tokens"
              + " FROM artifact_documents ad JOIN run_documents rd ON rd.doc_id = ad.doc_id"
              + " WHERE ad.artifact_uri = ? AND rd.run_id = ? AND rd.part IN (" + marks(run.getValue().size()) + ")"
              + " GROUP BY rd.source, rd.license, rd.jurisdiction, rd.language, rd.detected_language",
          (rs, i) -> new DocGroup(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
              rs.getString(5), rs.getLong("n"), rs.getLong("chars"), rs.getLong("tokens")),
          args.toArray()));
    }
    return out;
  }

  /**
   * What became of every record of the scope's data, by step: ingest's tally of the scope's
   * partitions, dedup's of the scope's dedup runs; summed over runs and partitions.
   */
  public Map<String, List<Tally>> tally(Scope scope) {
    Map<String, Map<List<String>, Long>> sums = new LinkedHashMap<>();
    for (Map.Entry<String, Set<Integer>> run : scope.ingestParts().entrySet()) {
      List<Object> args = new ArrayList<>();
      args.add(run.getKey());
      args.addAll(run.getValue());
      sumTally(sums, "SELECT step, source, outcome, reason, SUM(n) AS n FROM run_tally WHERE run_id = ?"
          + " AND step = 'ingest' AND part IN (" + marks(run.getValue().size()) + ") GROUP BY step, source, outcome, reason",
          args.toArray());
    }
    for (String run : scope.dedupRuns()) {
      sumTally(sums, "SELECT step, source, outcome, reason, SUM(n) AS n FROM run_tally WHERE run_id = ?"
          + " AND step = 'dedup' GROUP BY step, source, outcome, reason", run);
    }
    Map<String, List<Tally>> out = new LinkedHashMap<>();
    sums.forEach((step, rows) -> {
      List<Tally> list = new ArrayList<>();
      rows.forEach((k, n) -> list.add(new Tally(k.get(0), k.get(1), k.get(2), n)));
      out.put(step, list);
    });
    return out;
  }

  /**
   * The dedup drops of the scope's dedup runs by kind (see {@link DedupKind}): exact, fuzzy,
   * contaminated, in that order; a duplicate recorded before kinds were counts as exact. Only the
   * kinds that occur are listed.
   */
  public Map<String, Long> dedupDropsByKind(Scope scope) {
    Map<String, Long> counts = new TreeMap<>(DedupKind.ORDER);
    jdbcIn("SELECT decision, dedup_kind, COUNT(*) AS n FROM document_decisions WHERE run_id IN (%s)"
        + " AND (dedup_kind IS NOT NULL OR decision IN ('" + DedupKind.DUPLICATE_DECISION + "', '"
        + DedupKind.CONTAMINATED_DECISION + "')) GROUP BY decision, dedup_kind", scope.dedupRuns(),
        (rs, i) -> counts.merge(DedupKind.of(rs.getString(1), rs.getString(2)), rs.getLong(3), Long::sum));
    return new LinkedHashMap<>(counts);
  }

  private void sumTally(Map<String, Map<List<String>, Long>> sums, String sql, Object... args) {
    jdbc.query(sql, rs -> {
      sums.computeIfAbsent(rs.getString("step"), s -> new TreeMap<>(AuditQueries::compareKeys))
          .merge(List.of(rs.getString("source"), rs.getString("outcome"), rs.getString("reason")), rs.getLong("n"),
              Long::sum);
    }, args);
  }

  /** Registry rows of these sources. */
  public List<Source> sources(Collection<String> sourceIds) {
    List<Source> out = jdbcIn("SELECT * FROM sources WHERE source_id IN (%s)", sourceIds, (rs, i) -> mapSource(rs));
    out.sort(java.util.Comparator.comparing(Source::sourceId));
    return out;
  }

  /** Content kind (prose, docs, code) each source declares, where it declares one. */
  public Map<String, String> contentKinds(Collection<String> sourceIds) {
    Map<String, String> out = new TreeMap<>();
    jdbcIn("SELECT source_id, content_kind FROM sources WHERE source_id IN (%s)", sourceIds,
        (rs, i) -> out.put(rs.getString(1), rs.getString(2)));
    return out;
  }

  /** The scope's runs as recorded. */
  public List<Run> runs(Scope scope) {
    return jdbcIn("SELECT * FROM runs WHERE run_id IN (%s)", scope.runIds(), (rs, i) -> new Run(rs.getString("run_id"),
        rs.getString("workflow_id"), rs.getString("recipe"), rs.getString("status"), rs.getString("request_json"),
        rs.getString("error"), instant(rs, "started_at"), instant(rs, "finished_at"), rs.getString("schedule_id"),
        instant(rs, "scheduled_time")));
  }

  /** The scope's step executions, grouped by where and with which code they ran. */
  public List<ExecutionGroup> executions(Scope scope) {
    List<ExecutionGroup> out = jdbcIn("SELECT run_id, step, activity, outcome, code_version, task_queue, worker_host,"
        + " worker_region, COUNT(*) AS n FROM step_executions WHERE run_id IN (%s)"
        + " GROUP BY run_id, step, activity, outcome, code_version, task_queue, worker_host, worker_region",
        scope.runIds(), (rs, i) -> new ExecutionGroup(rs.getString("run_id"), rs.getString("step"),
            rs.getString("activity"), rs.getString("outcome"), rs.getString("code_version"), rs.getString("task_queue"),
            rs.getString("worker_host"), rs.getString("worker_region"), rs.getLong("n")));
    out.sort(java.util.Comparator.comparing(ExecutionGroup::runId).thenComparing(ExecutionGroup::step)
        .thenComparing(ExecutionGroup::activity).thenComparing(g -> String.valueOf(g.outcome()))
        .thenComparing(g -> String.valueOf(g.workerHost())));
    return out;
  }

  /** A model (or an artifact made from one) holding documents of a source, and how many. */
  public record SourceHolder(String uri, String kind, String runId, String step, String sha256, long documents) {}

  /**
   * Models that hold documents of this source, then every artifact made from those models (quantized
   * models, exports), for a takedown request. Models read from their stored composition; models
   * recorded without one (before compositions existed) by joining their documents with run_documents.
   */
  public List<SourceHolder> modelsWithSource(String sourceId, String modelKind) {
    List<SourceHolder> models = new ArrayList<>(jdbc.query("SELECT a.uri, a.kind, a.run_id, a.step, a.sha256,"
            + " SUM(c.documents) AS n FROM artifact_composition c JOIN artifacts a ON a.uri = c.artifact_uri"
            + " WHERE c.source = ? AND a.kind = ? GROUP BY a.uri, a.kind, a.run_id, a.step, a.sha256",
        (rs, i) -> new SourceHolder(rs.getString("uri"), rs.getString("kind"), rs.getString("run_id"),
            rs.getString("step"), rs.getString("sha256"), rs.getLong("n")), sourceId, modelKind));
    Long older = jdbc.queryForObject("SELECT COUNT(*) FROM artifacts a WHERE a.kind = ? AND NOT EXISTS"
        + " (SELECT 1 FROM artifact_composition c WHERE c.artifact_uri = a.uri)", Long.class, modelKind);
    if (older != null && older > 0) {
      models.addAll(jdbc.query("SELECT a.uri, a.kind, a.run_id, a.step, a.sha256, COUNT(DISTINCT ad.doc_id) AS n"
              + " FROM artifact_documents ad JOIN artifacts a ON a.uri = ad.artifact_uri"
              + " WHERE a.kind = ? AND NOT EXISTS (SELECT 1 FROM artifact_composition c WHERE c.artifact_uri = a.uri)"
              + " AND ad.doc_id IN (SELECT doc_id FROM run_documents WHERE source = ?)"
              + " GROUP BY a.uri, a.kind, a.run_id, a.step, a.sha256",
          (rs, i) -> new SourceHolder(rs.getString("uri"), rs.getString("kind"), rs.getString("run_id"),
              rs.getString("step"), rs.getString("sha256"), rs.getLong("n")), modelKind, sourceId));
    }
    models.sort(java.util.Comparator.comparing(SourceHolder::uri));
    List<SourceHolder> out = new ArrayList<>(models);
    for (SourceHolder m : models) {
      for (Artifact a : downstreamOf(List.of(m.uri()))) {
        out.add(new SourceHolder(a.uri(), a.kind(), a.runId(), a.step(), a.sha256(), m.documents()));
      }
    }
    return out;
  }

  /** A document as one run read it, and what that run's ingest made of it. */
  public record RunDocumentRow(String runId, int part, String source, String sourceVersion, String path,
      String license, String language, String detectedLanguage, String jurisdiction, String contentSha256,
      String inputUri, long inputLine, String outcome) {}

  /** Every run's version of a document, oldest run first. */
  public List<RunDocumentRow> runVersions(String docId) {
    return jdbc.query("SELECT rd.*, r.started_at FROM run_documents rd LEFT JOIN runs r ON r.run_id = rd.run_id"
            + " WHERE rd.doc_id = ? ORDER BY r.started_at, rd.run_id",
        (rs, i) -> new RunDocumentRow(rs.getString("run_id"), rs.getInt("part"), rs.getString("source"),
            rs.getString("source_version"), rs.getString("path"), rs.getString("license"), rs.getString("language"),
            rs.getString("detected_language"), rs.getString("jurisdiction"), rs.getString("content_sha256"),
            rs.getString("input_uri"), rs.getLong("input_line"), rs.getString("outcome")),
        docId);
  }

  /** Artifacts made from these, directly or not (not including them). */
  public List<Artifact> downstreamOf(Collection<String> uris) {
    Set<String> seen = new LinkedHashSet<>(uris);
    List<Artifact> out = new ArrayList<>();
    List<String> frontier = new ArrayList<>(uris);
    while (!frontier.isEmpty()) {
      List<String> next = jdbcIn("SELECT artifact_uri FROM artifact_inputs WHERE input_uri IN (%s)", frontier,
          (rs, i) -> rs.getString(1));
      next.removeIf(u -> !seen.add(u));
      out.addAll(artifacts(next));
      frontier = next;
    }
    return out;
  }

  /** Artifacts by URI (any order). */
  private List<Artifact> artifacts(Collection<String> uris) {
    return jdbcIn("SELECT * FROM artifacts WHERE uri IN (%s)", uris, (rs, i) -> new Artifact(rs.getString("uri"),
        rs.getString("sha256"), rs.getLong("size_bytes"), rs.getString("kind"), rs.getString("run_id"),
        rs.getString("step"), rs.getString("storage_endpoint"), rs.getString("region"), instant(rs, "created_at")));
  }

  private Map<String, List<String>> inputsOf(Collection<String> uris) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (String u : uris) {
      out.put(u, new ArrayList<>());
    }
    jdbcIn("SELECT artifact_uri, input_uri FROM artifact_inputs WHERE artifact_uri IN (%s) ORDER BY artifact_uri,"
        + " input_uri", uris, (rs, i) -> out.get(rs.getString(1)).add(rs.getString(2)));
    return out;
  }

  private <T> List<T> jdbcIn(String sqlWithIn, Collection<?> values, org.springframework.jdbc.core.RowMapper<T> mapper) {
    List<T> out = new ArrayList<>();
    List<?> all = new ArrayList<>(values);
    for (int from = 0; from < all.size(); from += IN_CHUNK) {
      List<?> chunk = all.subList(from, Math.min(all.size(), from + IN_CHUNK));
      out.addAll(jdbc.query(String.format(sqlWithIn, marks(chunk.size())), mapper, chunk.toArray()));
    }
    return out;
  }

  private static String marks(int n) {
    return String.join(", ", Collections.nCopies(n, "?"));
  }

  private static int compareKeys(List<String> a, List<String> b) {
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      int c = String.valueOf(a.get(i)).compareTo(String.valueOf(b.get(i)));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }

  private static java.time.Instant instant(ResultSet rs, String column) throws SQLException {
    java.sql.Timestamp t = rs.getTimestamp(column);
    return t == null ? null : t.toInstant();
  }

  private static Source mapSource(ResultSet rs) throws SQLException {
    return new Source(rs.getString("source_id"), rs.getString("registry"), rs.getString("package_name"),
        rs.getString("package_version"), rs.getString("checksum_algo"), rs.getString("checksum"),
        rs.getString("license"), rs.getString("jurisdiction"), rs.getLong("files"), rs.getLong("bytes"),
        rs.getTimestamp("fetched_at").toInstant());
  }
}
