package dev.pretrain.ops.report;

import dev.pretrain.db.Database;
import dev.pretrain.db.curation.CurationRepository;
import dev.pretrain.db.lineage.AuditQueries;
import dev.pretrain.db.lineage.LineageQueries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.h2.tools.Server;

/**
 * How long the audit report and the auditor's questions take on a run of many documents, on H2 (as
 * the local stack serves it: a TCP server over a file) and on PostgreSQL. Builds the run's rows with
 * {@link AuditFixture} (the rows the steps write), then times each question, medians of the rounds.
 *
 * <p>Arguments: {@code --documents N} (300000), {@code --sources S} (24), {@code --partitions P} (16),
 * {@code --rounds R} (5), {@code --db h2|pg|both} (both). PostgreSQL from {@code PRETRAIN_TEST_PG_URL},
 * {@code PRETRAIN_TEST_PG_USER}, {@code PRETRAIN_TEST_PG_PASSWORD} (defaults: what tests/run creates); the
 * benchmark works in a schema of its own, {@code audit_bench}, dropped and made again.
 */
public final class AuditBenchmark {

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new LinkedHashMap<>(Map.of("documents", "300000", "sources", "24", "partitions", "16",
        "rounds", "5", "db", "both"));
    for (int i = 0; i + 1 < args.length; i += 2) {
      a.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    int documents = Integer.parseInt(a.get("documents"));
    int sources = Integer.parseInt(a.get("sources"));
    int partitions = Integer.parseInt(a.get("partitions"));
    int rounds = Integer.parseInt(a.get("rounds"));
    System.out.printf(Locale.ROOT, "audit benchmark: %,d documents, %d sources, %d ingest partitions, %d rounds; %d cores%n",
        documents, sources, partitions, rounds, Runtime.getRuntime().availableProcessors());
    if (!a.get("db").equals("pg")) {
      Path dir = Files.createDirectories(Path.of("target", "audit-bench-h2"));
      for (String f : new String[] {"pretrain.mv.db", "pretrain.trace.db"}) {
        Files.deleteIfExists(dir.resolve(f));
      }
      Server server = Server.createTcpServer("-tcpPort", "0", "-ifNotExists").start();
      // H2 hands back the last result of an identical query when no table changed: the rounds would time a cache
      String url = Database.h2ServerUrl(server.getPort(), dir) + ";OPTIMIZE_REUSE_RESULTS=FALSE";
      try (Database db = Database.open(url, "sa", "")) {
        run("H2 " + org.h2.engine.Constants.VERSION + " (TCP server, file)", db, documents, sources, partitions, rounds);
      } finally {
        server.stop();
      }
    }
    if (!a.get("db").equals("h2")) {
      String url = env("PRETRAIN_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/pretrain");
      String user = env("PRETRAIN_TEST_PG_USER", "pretrain");
      String password = env("PRETRAIN_TEST_PG_PASSWORD", "pretrain-ci");
      String version;
      try (Connection c = DriverManager.getConnection(url, user, password); Statement st = c.createStatement()) {
        st.execute("DROP SCHEMA IF EXISTS audit_bench CASCADE");
        st.execute("CREATE SCHEMA audit_bench");
        var rs = st.executeQuery("SHOW server_version");
        rs.next();
        version = rs.getString(1);
      }
      String schemaUrl = url + (url.contains("?") ? "&" : "?") + "currentSchema=audit_bench";
      try (Database db = Database.open(schemaUrl, user, password)) {
        run("PostgreSQL " + version, db, documents, sources, partitions, rounds);
      }
    }
  }

  private static void run(String name, Database db, int documents, int sources, int partitions, int rounds)
      throws Exception {
    long t0 = System.nanoTime();
    AuditFixture.Built run = AuditFixture.build(db.jdbc(), "bench-" + documents, documents, sources, partitions);
    double buildSeconds = (System.nanoTime() - t0) / 1e9;
    if (name.startsWith("PostgreSQL")) {
      db.jdbc().execute("ANALYZE"); // what autovacuum does after a bulk load; plans depend on it
    }
    long rows = 0;
    for (String table : List.of("run_documents", "documents", "artifact_documents", "document_decisions",
        "curation_decisions", "run_tally", "artifacts", "artifact_inputs", "step_executions")) {
      rows += db.jdbc().queryForObject("SELECT COUNT(*) FROM " + table, Long.class);
    }
    System.out.printf(Locale.ROOT, "%n%s: built the run's rows in %.1f s (%,d rows in the lineage tables)%n", name,
        buildSeconds, rows);
    LineageQueries lineage = new LineageQueries(db.jdbc());
    AuditQueries audit = new AuditQueries(db.jdbc());
    CurationRepository curation = new CurationRepository(db.jdbc());
    // each round asks about another document and source, so no round is answered from a cache of the last
    int[] round = {0};
    Supplier<String> kept = () -> run.keptDocIds().get(round[0] % run.keptDocIds().size());
    Supplier<String> filtered = () -> run.filteredDocIds().get(round[0] % run.filteredDocIds().size());
    Supplier<String> duplicate = () -> run.duplicateDocIds().get(round[0] % run.duplicateDocIds().size());
    Supplier<String> source = () -> String.format(Locale.ROOT, "source-%02d", round[0] % sources);
    Map<String, Supplier<Object>> questions = new LinkedHashMap<>();
    questions.put("audit report (quantized model)", () -> {
      AuditReport r = AuditReport.build(db.jdbc(), run.quantizedUri()).orElseThrow();
      if (r.summary().documentsIn() != run.documents() || !r.summary().conserved()) {
        throw new IllegalStateException("report disagrees with the fixture: " + r.summary());
      }
      return r;
    });
    questions.put("(train step) record model composition", () -> audit.recordComposition(run.modelUri()));
    questions.put("audit report + HTML page", () -> AuditHtml.render(AuditReport.build(db.jdbc(), run.quantizedUri()).orElseThrow()));
    questions.put("where did this document go", () -> {
      List<LineageQueries.Holding> h = lineage.artifactsHolding(kept.get());
      List<String> models = h.stream().filter(x -> x.kind().equals("model")).map(LineageQueries.Holding::artifactUri)
          .toList();
      return List.of(audit.runVersions(kept.get()), h, audit.downstreamOf(models));
    });
    questions.put("why was it removed (filtered)", () -> List.of(lineage.decisionsOn(filtered.get()),
        curation.runsWithDecisionsOn(filtered.get()), curation.decisionsOn(run.runId(), filtered.get()),
        audit.runVersions(filtered.get())));
    questions.put("why was it removed (duplicate)", () -> List.of(lineage.decisionsOn(duplicate.get()),
        lineage.twinsDroppedFor(kept.get())));
    questions.put("sources of license X in model M", () -> audit.documentsBehind(audit.scope(run.modelUri())
        .orElseThrow()).stream().filter(g -> AuditFixture.LICENSES[round[0] % 4].equals(g.license())).toList());
    questions.put("models with documents of source S", () -> audit.modelsWithSource(source.get(), "model"));
    questions.put("lineage DOC_ID (document page)", () -> List.of(lineage.document(kept.get()),
        lineage.decisionsOn(kept.get()), lineage.artifactsHolding(kept.get())));
    for (Map.Entry<String, Supplier<Object>> q : questions.entrySet()) {
      q.getValue().get(); // warm up: class loading, plan caches
      List<Double> ms = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        round[0]++;
        long s = System.nanoTime();
        q.getValue().get();
        ms.add((System.nanoTime() - s) / 1e6);
      }
      List<Double> sorted = new ArrayList<>(ms);
      sorted.sort(null);
      System.out.printf(Locale.ROOT, "  %-36s median %8.1f ms  (min %.1f, max %.1f)%n", q.getKey(),
          sorted.get(sorted.size() / 2), sorted.get(0), sorted.get(sorted.size() - 1));
    }
  }

  private static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? fallback : v;
  }
}
