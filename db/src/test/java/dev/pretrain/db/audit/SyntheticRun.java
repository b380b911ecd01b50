package dev.pretrain.db.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Locale;
import javax.sql.DataSource;

/**
 * Writes the lineage of a finished run with {@code documents} documents, shaped like a real one: one
 * ingest and one token shard per 1,000 documents (each document held by both), a run_documents row
 * and a language decision per document, 5% duplicates, 10% filtered by curation, 0.1% quarantined.
 * Document ids mix case and non-ASCII letters, so that key order is exercised. About 4.2 rows per
 * document in all.
 */
final class SyntheticRun {

  private static final int BATCH = 2_000;

  private SyntheticRun() {}

  static String docId(int i) {
    String dir = switch (i % 5) {
      case 0 -> "kernel-6.1/Documentation";
      case 1 -> "Kernel-6.12/doc";
      case 2 -> "perl-doc/pod/perlü";
      case 3 -> "udhr/Ελληνικά";
      default -> "python3.11-doc/library";
    };
    return String.format(Locale.ROOT, "%s/file-%07d.rst", dir, i);
  }

  static long write(DataSource ds, String runId, int documents) throws SQLException {
    Timestamp at = Timestamp.from(Instant.parse("2025-06-01T10:00:00Z"));
    long rows = 0;
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      rows += exec(c, "INSERT INTO runs (run_id, workflow_id, recipe, status, request_json, started_at, finished_at)"
          + " VALUES (?, ?, 'demo', 'completed', ?, ?, ?)", runId, "pretrain-" + runId,
          "{\"runId\":\"" + runId + "\",\"bucket\":\"pretrain\"}", at, at);
      String[] steps = {"ingest", "dedup", "tokenize", "train", "evaluate", "quantize"};
      for (String step : steps) {
        rows += exec(c, "INSERT INTO steps (run_id, step, status, counts_json, bytes_in, millis, started_at,"
            + " finished_at, executions) VALUES (?, ?, 'completed', '{}', 1000, 5000, ?, ?, 1)", runId, step, at, at);
        for (int attempt = 1; attempt <= 3; attempt++) {
          rows += exec(c, "INSERT INTO step_executions (run_id, step, activity, attempt, outcome, started_at, millis,"
              + " code_version, params_json, task_queue, worker_host, worker_region) VALUES (?, ?, ?, ?, 'computed',"
              + " ?, 100, 'v1', '{}', 'pretrain', 'host-1', 'eu-west-1')", runId, step, step + "Partition", attempt, at);
        }
      }
      int shards = Math.max(1, (documents + 999) / 1000);
      try (PreparedStatement a = c.prepareStatement("INSERT INTO artifacts (uri, sha256, size_bytes, kind, run_id,"
          + " step, storage_endpoint, region, created_at) VALUES (?, ?, ?, ?, ?, ?, 'http://s3', 'eu-west-1', ?)");
          PreparedStatement in = c.prepareStatement(
              "INSERT INTO artifact_inputs (artifact_uri, input_uri) VALUES (?, ?)")) {
        for (int s = 0; s < shards; s++) {
          String corpus = "s3://corpus/" + runId + "/input-" + s + ".jsonl";
          artifact(a, corpus, "corpus-file", null, null, at);
          String ingest = ingestShard(runId, s);
          artifact(a, ingest, "text-shard", runId, "ingest", at);
          artifact(a, tokenShard(runId, s), "token-shard", runId, "tokenize", at);
          in.setString(1, ingest);
          in.setString(2, corpus);
          in.addBatch();
          in.setString(1, tokenShard(runId, s));
          in.setString(2, ingest);
          in.addBatch();
          rows += 3 + 2;
        }
        a.executeBatch();
        in.executeBatch();
      }
      try (PreparedStatement ad = c.prepareStatement("INSERT INTO artifact_documents (artifact_uri, doc_id, ordinal,"
          + " token_start, token_end) VALUES (?, ?, ?, ?, ?)");
          PreparedStatement rd = c.prepareStatement("INSERT INTO run_documents (run_id, part, doc_id, source,"
              + " source_version, path, license, language, detected_language, jurisdiction, content_sha256, chars,"
              + " input_uri, input_line, outcome) VALUES (?, ?, ?, ?, '1.0', ?, 'GPL-2.0-only', 'en', 'en', 'EU', ?,"
              + " 4000, ?, ?, ?)");
          PreparedStatement cd = c.prepareStatement("INSERT INTO curation_decisions (run_id, part, doc_id, rule,"
              + " action, measured, threshold, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
          PreparedStatement dd = c.prepareStatement("INSERT INTO document_decisions (run_id, step, doc_id, decision,"
              + " reason, related_doc_id) VALUES (?, ?, ?, ?, ?, ?)")) {
        int pending = 0;
        for (int i = 0; i < documents; i++) {
          int part = i / 1000;
          String doc = docId(i);
          boolean filtered = i % 10 == 3;
          boolean duplicate = !filtered && i % 20 == 7;
          rd.setString(1, runId);
          rd.setInt(2, part);
          rd.setString(3, doc);
          rd.setString(4, doc.substring(0, doc.indexOf('/')));
          rd.setString(5, doc);
          rd.setString(6, String.format(Locale.ROOT, "%064x", (long) i * 2654435761L));
          rd.setString(7, "s3://corpus/" + runId + "/input-" + part + ".jsonl");
          rd.setLong(8, i % 1000 + 1);
          rd.setString(9, filtered ? "filtered" : "kept");
          rd.addBatch();
          cd.setString(1, runId);
          cd.setInt(2, part);
          cd.setString(3, doc);
          cd.setString(4, "language");
          cd.setString(5, "measured");
          cd.setDouble(6, 0.9 + (i % 10) / 100.0);
          cd.setString(7, null);
          cd.setString(8, "en");
          cd.addBatch();
          rows += 2;
          if (filtered) {
            cd.setString(4, "gopher_quality:mean_word_length");
            cd.setString(5, "filtered");
            cd.setDouble(6, 11.5);
            cd.setString(7, "10");
            cd.setString(8, null);
            cd.addBatch();
            dd.setString(1, runId);
            dd.setString(2, "curate");
            dd.setString(3, doc);
            dd.setString(4, "filtered");
            dd.setString(5, "gopher_quality:mean_word_length 11.5 > 10");
            dd.setString(6, null);
            dd.addBatch();
            rows += 2;
          } else {
            ad.setString(1, ingestShard(runId, part));
            ad.setString(2, doc);
            ad.setLong(3, i % 1000);
            ad.setObject(4, null);
            ad.setObject(5, null);
            ad.addBatch();
            rows++;
            if (duplicate) {
              dd.setString(1, runId);
              dd.setString(2, "dedup");
              dd.setString(3, doc);
              dd.setString(4, "duplicate");
              dd.setString(5, "exact duplicate");
              dd.setString(6, docId(i - 1));
              dd.addBatch();
              rows++;
            } else {
              ad.setString(1, tokenShard(runId, part));
              ad.setString(2, doc);
              ad.setLong(3, i % 1000);
              ad.setLong(4, (long) (i % 1000) * 1000);
              ad.setLong(5, (long) (i % 1000) * 1000 + 1000);
              ad.addBatch();
              rows++;
            }
          }
          if (++pending == BATCH) {
            rd.executeBatch();
            cd.executeBatch();
            ad.executeBatch();
            dd.executeBatch();
            pending = 0;
          }
        }
        rd.executeBatch();
        cd.executeBatch();
        ad.executeBatch();
        dd.executeBatch();
      }
      for (int q = 0; q < documents / 1000; q++) {
        rows += exec(c, "INSERT INTO quarantine (run_id, step, input_uri, line, byte_offset, disposition, reason)"
            + " VALUES (?, 'ingest', ?, ?, 0, 'quarantined', 'invalid UTF-8')", runId,
            "s3://corpus/" + runId + "/input-" + q + ".jsonl", 1001L);
        rows += exec(c, "INSERT INTO run_tally (run_id, step, part, source, outcome, reason, n) VALUES (?, 'ingest', ?,"
            + " 'kernel-6.1', 'kept', '', 900)", runId, q);
      }
      for (String label : new String[] {"initial", "final", "q8_0"}) {
        rows += exec(c, "INSERT INTO evaluations (run_id, label, model_uri, loss, perplexity, bits_per_byte, tokens,"
            + " bytes, created_at) VALUES (?, ?, NULL, 3.25, 25.8, 1.1, 10000, 40000, ?)", runId, label, at);
      }
      c.commit();
    }
    return rows;
  }

  static String ingestShard(String runId, int s) {
    return String.format(Locale.ROOT, "s3://pretrain/runs/%s/ingest/docs-%05d-000.jsonl", runId, s);
  }

  static String tokenShard(String runId, int s) {
    return String.format(Locale.ROOT, "s3://pretrain/runs/%s/tokenize/train-%05d.bin", runId, s);
  }

  private static void artifact(PreparedStatement a, String uri, String kind, String runId, String step, Timestamp at)
      throws SQLException {
    a.setString(1, uri);
    a.setString(2, String.format(Locale.ROOT, "%064x", uri.hashCode() & 0xffffffffL));
    a.setLong(3, 1_000_000);
    a.setString(4, kind);
    a.setString(5, runId);
    a.setString(6, step);
    a.setTimestamp(7, at);
    a.addBatch();
  }

  private static int exec(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      return ps.executeUpdate();
    }
  }
}
