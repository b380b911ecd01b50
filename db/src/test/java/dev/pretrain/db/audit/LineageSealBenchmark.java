package dev.pretrain.db.audit;

import dev.pretrain.db.Database;
import dev.pretrain.db.audit.LineageSeal.AnchorRoot;
import dev.pretrain.db.audit.LineageSeal.Seal;
import dev.pretrain.db.audit.LineageSeal.Verification;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Prints seal and verify times (not a test) for a synthetic finished run ({@link SyntheticRun}) on H2
 * (a file database in PostgreSQL mode, as `pretrain up` serves it) or PostgreSQL (a scratch schema
 * {@code seal_bench}, dropped afterwards, in the database tests/run creates: PRETRAIN_TEST_PG_URL,
 * PRETRAIN_TEST_PG_USER, PRETRAIN_TEST_PG_PASSWORD). Command: docs/audit.md, "Tamper evidence".
 *
 * <p>Args: {@code h2|postgres [documents]} (default 300000).
 */
public final class LineageSealBenchmark {

  public static void main(String[] args) throws Exception {
    if (args.length < 1 || !(args[0].equals("h2") || args[0].equals("postgres"))) {
      System.err.println("usage: LineageSealBenchmark h2|postgres [documents]");
      System.exit(2);
    }
    int docs = args.length > 1 ? Integer.parseInt(args[1]) : 300_000;
    boolean pg = args[0].equals("postgres");
    Path dir = null;
    String url;
    String user;
    String password;
    if (pg) {
      String base = System.getenv().getOrDefault("PRETRAIN_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/pretrain");
      user = System.getenv().getOrDefault("PRETRAIN_TEST_PG_USER", "pretrain");
      password = System.getenv().getOrDefault("PRETRAIN_TEST_PG_PASSWORD", "pretrain-ci");
      try (Connection c = DriverManager.getConnection(base, user, password); Statement st = c.createStatement()) {
        st.execute("DROP SCHEMA IF EXISTS seal_bench CASCADE");
        st.execute("CREATE SCHEMA seal_bench");
      }
      url = base + (base.contains("?") ? "&" : "?") + "currentSchema=seal_bench";
    } else {
      dir = Files.createTempDirectory("seal-bench");
      url = "jdbc:h2:file:" + dir.resolve("pretrain") + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH";
      user = "sa";
      password = "";
    }
    try (Database db = Database.open(url, user, password)) {
      String product;
      try (Connection c = db.dataSource().getConnection()) {
        product = c.getMetaData().getDatabaseProductName() + " " + c.getMetaData().getDatabaseProductVersion();
      }
      long t0 = System.nanoTime();
      long rows = SyntheticRun.write(db.dataSource(), "bench", docs);
      print("generate", t0, String.format(Locale.ROOT, "%,d documents, %,d rows", docs, rows));
      LineageSeal seals = new LineageSeal(db.dataSource());

      t0 = System.nanoTime();
      Seal seal = seals.seal("bench", Instant.now());
      print("seal", t0, String.format(Locale.ROOT, "%,d records, root %s", seal.records(), seal.root()));

      t0 = System.nanoTime();
      Seal again = seals.seal("bench", Instant.now());
      print("seal again (unchanged: no new seal)", t0, "seal " + again.sealNo());

      AnchorRoot anchor = new AnchorRoot("(benchmark)", seal.sealNo(), seal.root());
      t0 = System.nanoTime();
      Verification v = seals.verify("bench", anchor);
      print("verify (intact)", t0, "intact " + v.intact() + ", " + String.format(Locale.ROOT, "%,d", v.recordsNow())
          + " records");

      db.jdbc().update("UPDATE run_documents SET license = 'MIT' WHERE run_id = 'bench' AND doc_id = ?",
          SyntheticRun.docId(docs / 2));
      db.jdbc().update("DELETE FROM curation_decisions WHERE run_id = 'bench' AND doc_id = ? AND rule = 'language'",
          SyntheticRun.docId(docs / 3));
      t0 = System.nanoTime();
      v = seals.verify("bench", anchor);
      print("verify (2 rows tampered)", t0, v.findings().toString());

      System.out.printf(Locale.ROOT, "%s, %d documents, Java %s, %d CPUs, max heap %d MB%n", product, docs,
          System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(),
          Runtime.getRuntime().maxMemory() >> 20);
      if (pg) {
        db.jdbc().execute("DROP SCHEMA seal_bench CASCADE");
      }
    } finally {
      if (dir != null) {
        try (Stream<Path> files = Files.walk(dir)) {
          files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
  }

  private static void print(String what, long t0, String detail) {
    System.out.printf(Locale.ROOT, "%-40s %8.1f s  %s%n", what, (System.nanoTime() - t0) / 1e9, detail);
  }
}
