package dev.pretrain.db.audit;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.zip.CRC32;
import javax.sql.DataSource;

/**
 * Tamper evidence for a run's lineage (docs/audit.md, "Tamper evidence"). {@link #seal} reads every
 * lineage row of a run in a fixed order, hashes each row's canonical form and chains the hashes:
 * {@code chain_0 = SHA-256(FORMAT, 0, runId)}, {@code chain_i = SHA-256(chain_{i-1} || hash_i)}; the
 * last link is the root. It stores each record's table, key and hash plus the root; {@link #verify}
 * reads the rows again and names every row changed, removed or inserted since, checks that the stored
 * hashes still chain to the stored root, and compares that root with an anchor kept outside the
 * database ({@link SealAnchor}). Both stream: one pass over the rows, batched writes.
 */
public final class LineageSeal {

  public static final String FORMAT = "pretrain-lineage-seal-v1";

  private static final int FETCH = 5_000;
  private static final int INSERT_ROWS = 1_000;
  private static final int MAX_FINDINGS = 1_000;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HexFormat HEX = HexFormat.of();

  /** A primary key column of a sealed table; {@code label} names it in findings (empty: value only). */
  private record KeyCol(String column, String label, boolean numeric) {}

  /**
   * A sealed table: rows of the run selected by {@code from} (alias {@code x}, one {@code ?} for the
   * run id), in primary key order.
   */
  private record Table(String name, String from, List<KeyCol> key) {}

  private static KeyCol s(String column, String label) {
    return new KeyCol(column, label, false);
  }

  private static KeyCol n(String column, String label) {
    return new KeyCol(column, label, true);
  }

  private static final String OF_RUN_ARTIFACTS = " x JOIN artifacts a ON a.uri = x.artifact_uri WHERE a.run_id = ?";

  // Chain order. Shared rows that later runs rewrite (documents, sources, step_cache) are left out:
  // run_documents keeps each run's own version of its documents.
  private static final List<Table> TABLES = List.of(
      new Table("runs", "runs x WHERE x.run_id = ?", List.of(s("run_id", "run"))),
      new Table("steps", "steps x WHERE x.run_id = ?", List.of(s("run_id", "run"), s("step", "step"))),
      new Table("step_executions", "step_executions x WHERE x.run_id = ?", List.of(n("id", "execution"))),
      new Table("step_retries", "step_retries x WHERE x.run_id = ?", List.of(n("id", "retry"))),
      new Table("artifacts", "artifacts x WHERE x.run_id = ?", List.of(s("uri", ""))),
      new Table("artifact_inputs", "artifact_inputs" + OF_RUN_ARTIFACTS,
          List.of(s("artifact_uri", "artifact"), s("input_uri", "input"))),
      new Table("artifact_reuse", "artifact_reuse x WHERE x.run_id = ?",
          List.of(s("run_id", "run"), s("artifact_uri", "artifact"))),
      new Table("artifact_documents", "artifact_documents" + OF_RUN_ARTIFACTS,
          List.of(s("artifact_uri", "artifact"), s("doc_id", "doc"))),
      new Table("run_documents", "run_documents x WHERE x.run_id = ?",
          List.of(s("run_id", "run"), n("part", "part"), s("doc_id", "doc"))),
      new Table("document_decisions", "document_decisions x WHERE x.run_id = ?",
          List.of(s("run_id", "run"), s("step", "step"), s("doc_id", "doc"))),
      new Table("curation_decisions", "curation_decisions x WHERE x.run_id = ?",
          List.of(s("run_id", "run"), s("doc_id", "doc"), s("rule", "rule"))),
      new Table("quarantine", "quarantine x WHERE x.run_id = ?",
          List.of(s("run_id", "run"), s("step", "step"), s("input_uri", "input"), n("line", "line"))),
      new Table("run_tally", "run_tally x WHERE x.run_id = ?",
          List.of(s("run_id", "run"), s("step", "step"), n("part", "part"), s("source", "source"),
              s("outcome", "outcome"), s("reason", "reason"))),
      new Table("evaluations", "evaluations x WHERE x.run_id = ?", List.of(s("run_id", "run"), s("label", "label"))),
      new Table("artifact_composition", "artifact_composition" + OF_RUN_ARTIFACTS,
          List.of(s("artifact_uri", "artifact"), n("ordinal", "group"))),
      new Table("placement_decisions", "placement_decisions x WHERE x.run_id = ?",
          List.of(s("run_id", "run"), s("source", "source"), s("step", "step"))));

  /** A seal: the root over {@code records} rows, the newest of a run unless {@code supersededAt} is set. */
  public record Seal(String runId, int sealNo, String root, long records, Instant sealedAt, Instant supersededAt,
      String anchorUri, String anchorVersion, Instant anchorRetainUntil) {}

  public enum Kind { CHANGED, REMOVED, INSERTED }

  /** A row that differs from the seal: table, its key as words, and what differs. */
  public record Finding(Kind kind, String table, String key, String detail) {
    @Override
    public String toString() {
      return table + " (" + key + "): " + kind.name().toLowerCase(Locale.ROOT) + (detail == null ? "" : ": " + detail);
    }
  }

  /** The root an anchor outside the database vouches for, and where it was read. */
  public record AnchorRoot(String uri, int sealNo, String root) {}

  /**
   * What verify found. {@code sealRoot}: the root in lineage_seals; {@code storedChainRoot}: the chain
   * over the stored record hashes; {@code liveRoot}: the chain over the rows as they are now.
   */
  public record Verification(String runId, Seal seal, long recordsNow, String liveRoot, String storedChainRoot,
      AnchorRoot anchor, List<Finding> findings, long findingsTotal, List<String> problems) {
    public boolean intact() {
      return findingsTotal == 0 && problems.isEmpty();
    }
  }

  private final DataSource dataSource;
  private final boolean postgres;

  public LineageSeal(DataSource dataSource) {
    this.dataSource = dataSource;
    try (Connection c = dataSource.getConnection()) {
      this.postgres = c.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT).contains("postgres");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot reach the database: " + e.getMessage(), e);
    }
  }

  /** The root of the run's newest seal, for reports. */
  public Optional<String> root(String runId) {
    return latest(runId).map(Seal::root);
  }

  /** The newest seal of a run. */
  public Optional<Seal> latest(String runId) {
    List<Seal> all = seals(runId);
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  /** Every seal of a run, oldest first. */
  public List<Seal> seals(String runId) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(
            "SELECT * FROM lineage_seals WHERE run_id = ? ORDER BY seal_no")) {
      ps.setString(1, runId);
      List<Seal> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new Seal(rs.getString("run_id"), rs.getInt("seal_no"), rs.getString("root_hash"),
              rs.getLong("records"), instant(rs.getTimestamp("sealed_at")), instant(rs.getTimestamp("superseded_at")),
              rs.getString("anchor_uri"), rs.getString("anchor_version"),
              instant(rs.getTimestamp("anchor_retain_until"))));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException("read seals of run " + runId + ": " + e.getMessage(), e);
    }
  }

  /**
   * Seals the run's lineage as it is now. When the rows still hash to the newest seal's root, that
   * seal is returned unchanged (a retried activity seals once); otherwise a new seal supersedes it.
   */
  public Seal seal(String runId, Instant now) {
    Optional<Seal> previous = latest(runId);
    if (previous.isPresent() && previous.get().root().equals(rootNow(runId))) {
      return previous.get(); // a hashing pass only: rewriting 10^6 records to roll them back costs more
    }
    try (Connection read = dataSource.getConnection(); Connection write = dataSource.getConnection()) {
      snapshot(read);
      write.setAutoCommit(false);
      try {
        try (PreparedStatement del = write.prepareStatement("DELETE FROM lineage_seal_records WHERE run_id = ?")) {
          del.setString(1, runId);
          del.executeUpdate();
        }
        Map<String, List<String>> columns = new LinkedHashMap<>();
        RecordWriter out = new RecordWriter(write, runId);
        byte[] chain = genesis(runId);
        for (Table t : TABLES) {
          chain = scan(read, t, runId, null, columns, chain, (key, hash, marks) -> out.add(t.name(), key, hash, marks));
        }
        out.flush();
        String root = HEX.formatHex(chain);
        if (previous.isPresent() && previous.get().root().equals(root) && previous.get().records() == out.count) {
          write.rollback();
          return previous.get();
        }
        int sealNo = previous.map(p -> p.sealNo() + 1).orElse(1);
        try (PreparedStatement up = write.prepareStatement(
            "UPDATE lineage_seals SET superseded_at = ? WHERE run_id = ? AND superseded_at IS NULL")) {
          up.setTimestamp(1, Timestamp.from(now));
          up.setString(2, runId);
          up.executeUpdate();
        }
        try (PreparedStatement ins = write.prepareStatement("INSERT INTO lineage_seals (run_id, seal_no, root_hash,"
            + " records, columns_json, sealed_at) VALUES (?, ?, ?, ?, ?, ?)")) {
          ins.setString(1, runId);
          ins.setInt(2, sealNo);
          ins.setString(3, root);
          ins.setLong(4, out.count);
          ins.setString(5, JSON.writeValueAsString(columns));
          ins.setTimestamp(6, Timestamp.from(now));
          ins.executeUpdate();
        }
        write.commit();
        return new Seal(runId, sealNo, root, out.count, now, null, null, null, null);
      } catch (Exception e) {
        write.rollback();
        throw e;
      } finally {
        read.rollback();
      }
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("seal lineage of run " + runId + ": " + e.getMessage(), e);
    }
  }

  /** The root the run's rows hash to now, with the columns of its newest seal (all columns if none). */
  public String rootNow(String runId) {
    try (Connection read = dataSource.getConnection()) {
      snapshot(read);
      try {
        Optional<Seal> latest = latest(runId);
        Map<String, List<String>> columns = latest.isEmpty() ? Map.of() : JSON.readValue(
            columnsJson(read, runId, latest.get().sealNo()), new TypeReference<LinkedHashMap<String, List<String>>>() {});
        byte[] chain = genesis(runId);
        for (Table t : TABLES) {
          chain = scan(read, t, runId, columns.get(t.name()), null, chain, (key, hash, marks) -> {});
        }
        return HEX.formatHex(chain);
      } finally {
        read.rollback();
      }
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("hash lineage of run " + runId + ": " + e.getMessage(), e);
    }
  }

  /** Records where the seal's root was anchored outside the database. */
  public void anchored(String runId, int sealNo, String uri, String versionId, Instant retainUntil) {
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
        "UPDATE lineage_seals SET anchor_uri = ?, anchor_version = ?, anchor_retain_until = ?"
            + " WHERE run_id = ? AND seal_no = ?")) {
      ps.setString(1, uri);
      ps.setString(2, versionId);
      ps.setTimestamp(3, retainUntil == null ? null : Timestamp.from(retainUntil));
      ps.setString(4, runId);
      ps.setInt(5, sealNo);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException("record the anchor of run " + runId + ": " + e.getMessage(), e);
    }
  }

  /**
   * Verifies the run's newest seal against the rows now and against {@code anchor} (null when none
   * could be read: then only the database vouches for the root, which verify reports).
   */
  public Verification verify(String runId, AnchorRoot anchor) {
    Seal seal = latest(runId).orElseThrow(() -> new NoSealException(runId));
    try (Connection read = dataSource.getConnection(); Connection stored = dataSource.getConnection()) {
      snapshot(read);
      snapshot(stored);
      Map<String, List<String>> columns = JSON.readValue(columnsJson(stored, runId, seal.sealNo()),
          new TypeReference<LinkedHashMap<String, List<String>>>() {});
      List<Finding> findings = new ArrayList<>();
      long[] total = new long[1];
      long[] now = new long[1];
      byte[] live = genesis(runId);
      try (StoredCursor cursor = new StoredCursor(stored, runId)) {
        for (int ti = 0; ti < TABLES.size(); ti++) {
          Table t = TABLES.get(ti);
          int tableIndex = ti;
          List<String> sealedColumns = columns.get(t.name());
          live = scan(read, t, runId, sealedColumns, null, live, (key, hash, marks) -> {
            now[0]++;
            // stored records before this row in chain order: sealed, gone now
            while (cursor.current != null && cursor.compareTo(tableIndex, key) < 0) {
              add(findings, total, cursor.finding(Kind.REMOVED, null));
              cursor.next();
            }
            if (cursor.current != null && cursor.compareTo(tableIndex, key) == 0) {
              if (!cursor.current.hash.equals(hash)) {
                add(findings, total, cursor.finding(Kind.CHANGED,
                    changedColumns(cursor.current.marks, marks, sealedColumns)));
              }
              cursor.next();
            } else {
              add(findings, total, new Finding(Kind.INSERTED, t.name(), display(t, key), "not in the seal"));
            }
          });
        }
        while (cursor.current != null) {
          add(findings, total, cursor.finding(Kind.REMOVED, null));
          cursor.next();
        }
        List<String> problems = new ArrayList<>(cursor.problems);
        String storedRoot = HEX.formatHex(cursor.chain);
        String liveRoot = HEX.formatHex(live);
        if (cursor.count != seal.records()) {
          problems.add("lineage_seal_records holds " + cursor.count + " records, the seal says " + seal.records());
        }
        if (!storedRoot.equals(seal.root())) {
          problems.add("the stored record hashes (lineage_seal_records) chain to " + storedRoot
              + ", not to the seal's root " + seal.root() + ": the seal's records were edited");
        }
        if (total[0] == 0 && !liveRoot.equals(seal.root())) {
          problems.add("the rows now chain to " + liveRoot + ", not to the seal's root " + seal.root());
        }
        if (anchor == null) {
          if (seal.anchorUri() != null) {
            problems.add("the anchor " + seal.anchorUri() + " the seal was written to cannot be read");
          }
        } else if (!anchor.root().equals(seal.root()) || anchor.sealNo() != seal.sealNo()) {
          problems.add("the database's seal " + seal.sealNo() + " has root " + seal.root() + " but the anchor "
              + anchor.uri() + " vouches for seal " + anchor.sealNo() + " with root " + anchor.root()
              + (anchor.root().equals(liveRoot) ? " (which the rows match: lineage_seals was rewritten)"
                  : anchor.root().equals(storedRoot) ? " (which the stored record hashes match: the seal root was rewritten)"
                      : ""));
        }
        return new Verification(runId, seal, now[0], liveRoot, storedRoot, anchor, List.copyOf(findings), total[0],
            List.copyOf(problems));
      } finally {
        read.rollback();
        stored.rollback();
      }
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("verify lineage of run " + runId + ": " + e.getMessage(), e);
    }
  }

  /** The run was never sealed. */
  public static final class NoSealException extends RuntimeException {
    public NoSealException(String runId) {
      super("run " + runId + " has no lineage seal (it has not finished, or finished before sealing existed)");
    }
  }

  private static void add(List<Finding> findings, long[] total, Finding f) {
    total[0]++;
    if (findings.size() < MAX_FINDINGS) {
      findings.add(f);
    }
  }

  private static String changedColumns(String sealedMarks, String marks, List<String> columns) {
    List<String> changed = new ArrayList<>();
    for (int i = 0; i < columns.size(); i++) {
      int at = i * 4;
      if (sealedMarks.length() < at + 4 || !sealedMarks.regionMatches(at, marks, at, 4)) {
        changed.add(columns.get(i));
      }
    }
    return changed.isEmpty() ? "row differs from its sealed hash"
        : String.join(", ", changed) + (changed.size() == 1 ? " differs" : " differ") + " from the sealed value";
  }

  private interface RecordSink {
    void accept(Object[] key, String hash, String marks) throws Exception;
  }

  /**
   * Streams the table's rows of the run in key order, hashing each over {@code sealedColumns} (all
   * columns, sorted, when sealing: their names go to {@code columnsOut}); returns the chain after them.
   */
  private byte[] scan(Connection c, Table t, String runId, List<String> sealedColumns,
      Map<String, List<String>> columnsOut, byte[] chain, RecordSink sink) throws Exception {
    StringBuilder order = new StringBuilder();
    for (KeyCol k : t.key()) {
      order.append(order.length() == 0 ? "" : ", ").append("x.").append(k.column())
          .append(postgres && !k.numeric() ? " COLLATE \"C\"" : "");
    }
    String sql = "SELECT x.* FROM " + t.from() + " ORDER BY " + order;
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setFetchSize(FETCH);
      ps.setString(1, runId);
      try (ResultSet rs = ps.executeQuery()) {
        ResultSetMetaData md = rs.getMetaData();
        Map<String, Integer> index = new TreeMap<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
          index.put(md.getColumnLabel(i).toLowerCase(Locale.ROOT), i);
        }
        List<String> cols = sealedColumns == null ? List.copyOf(index.keySet()) : sealedColumns;
        if (columnsOut != null) {
          columnsOut.put(t.name(), cols);
        }
        int[] at = new int[cols.size()];
        int[] type = new int[cols.size()];
        for (int i = 0; i < cols.size(); i++) {
          Integer ix = index.get(cols.get(i));
          if (ix == null) {
            throw new IllegalStateException("column " + t.name() + "." + cols.get(i) + " was sealed but no longer exists");
          }
          at[i] = ix;
          type[i] = md.getColumnType(ix);
        }
        int[] keyAt = new int[t.key().size()];
        for (int i = 0; i < keyAt.length; i++) {
          keyAt[i] = index.get(t.key().get(i).column());
        }
        MessageDigest row = sha256();
        MessageDigest link = sha256();
        CRC32 crc = new CRC32();
        StringBuilder marks = new StringBuilder(cols.size() * 4);
        byte[] tableName = t.name().getBytes(StandardCharsets.UTF_8);
        while (rs.next()) {
          row.reset();
          field(row, tableName);
          marks.setLength(0);
          for (int i = 0; i < cols.size(); i++) {
            String v = canonical(rs, at[i], type[i]);
            byte[] name = cols.get(i).getBytes(StandardCharsets.UTF_8);
            byte[] value = v == null ? null : v.getBytes(StandardCharsets.UTF_8);
            field(row, name);
            field(row, value);
            crc.reset();
            if (value != null) {
              crc.update(value);
            } else {
              crc.update(0xff);
            }
            marks.append(HEX.toHexDigits((short) crc.getValue()));
          }
          byte[] hash = row.digest();
          link.update(chain);
          link.update(hash);
          chain = link.digest();
          Object[] key = new Object[keyAt.length];
          for (int i = 0; i < keyAt.length; i++) {
            key[i] = t.key().get(i).numeric() ? (Object) rs.getLong(keyAt[i]) : rs.getString(keyAt[i]);
          }
          sink.accept(key, HEX.formatHex(hash), marks.toString());
        }
      }
    }
    return chain;
  }

  private static final DateTimeFormatter TS = DateTimeFormatter.ISO_LOCAL_DATE_TIME;

  /**
   * A column's value as hashed. TIMESTAMP columns hold no zone: their stored wall-clock value is hashed
   * (not an instant in the JVM's zone), so a verifier in another time zone gets the same hash.
   */
  private static String canonical(ResultSet rs, int i, int type) throws SQLException {
    switch (type) {
      case Types.TIMESTAMP, Types.TIMESTAMP_WITH_TIMEZONE -> {
        LocalDateTime t = rs.getObject(i, LocalDateTime.class);
        return t == null ? null : TS.format(t);
      }
      case Types.DOUBLE, Types.FLOAT, Types.REAL -> {
        double d = rs.getDouble(i);
        return rs.wasNull() ? null : Double.toString(d);
      }
      case Types.BIGINT, Types.INTEGER, Types.SMALLINT, Types.TINYINT -> {
        long l = rs.getLong(i);
        return rs.wasNull() ? null : Long.toString(l);
      }
      default -> {
        return rs.getString(i);
      }
    }
  }

  // length-prefixed, so that no two different rows encode alike; -1 is null
  private static void field(MessageDigest md, byte[] value) {
    int n = value == null ? -1 : value.length;
    md.update((byte) (n >>> 24));
    md.update((byte) (n >>> 16));
    md.update((byte) (n >>> 8));
    md.update((byte) n);
    if (value != null) {
      md.update(value);
    }
  }

  private static byte[] genesis(String runId) {
    MessageDigest md = sha256();
    field(md, FORMAT.getBytes(StandardCharsets.UTF_8));
    field(md, runId.getBytes(StandardCharsets.UTF_8));
    return md.digest();
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** One consistent view of all tables, streamed (PostgreSQL streams only outside autocommit). */
  private static void snapshot(Connection c) throws SQLException {
    c.setAutoCommit(false);
    c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
  }

  private static String columnsJson(Connection c, String runId, int sealNo) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT columns_json FROM lineage_seals WHERE run_id = ? AND seal_no = ?")) {
      ps.setString(1, runId);
      ps.setInt(2, sealNo);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    }
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }

  // --- keys: stored as length-prefixed values ("3:abc2:17"), shown as "run r1, step dedup, doc x"

  static String encodeKey(Object[] key) {
    StringBuilder b = new StringBuilder();
    for (Object v : key) {
      String s = String.valueOf(v);
      b.append(s.length()).append(':').append(s);
    }
    return b.toString();
  }

  static Object[] decodeKey(Table t, String encoded) {
    Object[] key = new Object[t.key().size()];
    int at = 0;
    for (int i = 0; i < key.length; i++) {
      int colon = encoded.indexOf(':', at);
      int len = Integer.parseInt(encoded.substring(at, colon));
      String v = encoded.substring(colon + 1, colon + 1 + len);
      key[i] = t.key().get(i).numeric() ? (Object) Long.parseLong(v) : v;
      at = colon + 1 + len;
    }
    return key;
  }

  private static String display(Table t, Object[] key) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < key.length; i++) {
      String label = t.key().get(i).label();
      b.append(i == 0 ? "" : ", ").append(label.isEmpty() ? "" : label + " ").append(key[i]);
    }
    return b.toString();
  }

  /**
   * Key order as the scans' ORDER BY gives it: numbers by value; strings by UTF-16 unit on H2 (Java's
   * order, H2's default) and by code point on PostgreSQL (COLLATE "C" orders UTF-8 bytes).
   */
  private int compareKeys(Object[] a, Object[] b) {
    for (int i = 0; i < a.length; i++) {
      int c;
      if (a[i] instanceof Long x) {
        c = Long.compare(x, (Long) b[i]);
      } else if (postgres) {
        c = codePointCompare((String) a[i], (String) b[i]);
      } else {
        c = ((String) a[i]).compareTo((String) b[i]);
      }
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  private static int codePointCompare(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int x = a.codePointAt(i);
      int y = b.codePointAt(j);
      if (x != y) {
        return Integer.compare(x, y);
      }
      i += Character.charCount(x);
      j += Character.charCount(y);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }

  /** Batched multi-row inserts of sealed records (one statement per INSERT_ROWS rows). */
  private static final class RecordWriter {
    private final Connection c;
    private final String runId;
    private final List<String[]> pending = new ArrayList<>(INSERT_ROWS);
    private PreparedStatement full;
    long count;

    RecordWriter(Connection c, String runId) {
      this.c = c;
      this.runId = runId;
    }

    void add(String table, Object[] key, String hash, String marks) throws SQLException {
      pending.add(new String[] {table, encodeKey(key), hash, marks});
      if (pending.size() == INSERT_ROWS) {
        if (full == null) {
          full = c.prepareStatement(insert(INSERT_ROWS));
        }
        write(full);
      }
    }

    void flush() throws SQLException {
      if (!pending.isEmpty()) {
        try (PreparedStatement ps = c.prepareStatement(insert(pending.size()))) {
          write(ps);
        }
      }
      if (full != null) {
        full.close();
      }
    }

    private void write(PreparedStatement ps) throws SQLException {
      int p = 1;
      for (String[] r : pending) {
        ps.setString(p++, runId);
        ps.setLong(p++, ++count);
        for (String v : r) {
          ps.setString(p++, v);
        }
      }
      ps.executeUpdate();
      pending.clear();
    }

    private static String insert(int rows) {
      StringBuilder b = new StringBuilder(
          "INSERT INTO lineage_seal_records (run_id, seq, tbl, record_key, record_hash, column_marks) VALUES ");
      for (int i = 0; i < rows; i++) {
        b.append(i == 0 ? "" : ", ").append("(?, ?, ?, ?, ?, ?)");
      }
      return b.toString();
    }
  }

  private record StoredRecord(long seq, int table, Object[] key, String hash, String marks) {}

  /** The stored records of the newest seal in chain order, re-chaining their hashes as it goes. */
  private final class StoredCursor implements AutoCloseable {
    private final PreparedStatement ps;
    private final ResultSet rs;
    private final Map<String, Integer> tableIndex = new LinkedHashMap<>();
    private final MessageDigest link = sha256();
    final List<String> problems = new ArrayList<>();
    StoredRecord current;
    byte[] chain;
    long count;

    StoredCursor(Connection c, String runId) throws SQLException {
      for (int i = 0; i < TABLES.size(); i++) {
        tableIndex.put(TABLES.get(i).name(), i);
      }
      chain = genesis(runId);
      ps = c.prepareStatement("SELECT seq, tbl, record_key, record_hash, column_marks FROM lineage_seal_records"
          + " WHERE run_id = ? ORDER BY seq");
      ps.setFetchSize(FETCH);
      ps.setString(1, runId);
      rs = ps.executeQuery();
      next();
    }

    void next() throws SQLException {
      while (rs.next()) {
        count++;
        long seq = rs.getLong(1);
        String hash = rs.getString(4);
        if (seq != count && problems.size() < 10) {
          problems.add("lineage_seal_records: record " + count + " has seq " + seq + " (records were removed or added)");
        }
        link.update(chain);
        link.update(hash.length() == 64 ? HEX.parseHex(hash) : hash.getBytes(StandardCharsets.UTF_8));
        chain = link.digest();
        Integer t = tableIndex.get(rs.getString(2));
        if (t == null) {
          problems.add("lineage_seal_records: record " + seq + " names unknown table " + rs.getString(2));
          continue;
        }
        current = new StoredRecord(seq, t, decodeKey(TABLES.get(t), rs.getString(3)), hash, rs.getString(5));
        return;
      }
      current = null;
    }

    int compareTo(int table, Object[] key) {
      int c = Integer.compare(current.table(), table);
      return c != 0 ? c : compareKeys(current.key(), key);
    }

    Finding finding(Kind kind, String detail) {
      Table t = TABLES.get(current.table());
      return new Finding(kind, t.name(), display(t, current.key()),
          detail != null ? detail : kind == Kind.REMOVED ? "sealed as record " + current.seq() + ", gone now" : null);
    }

    @Override
    public void close() throws SQLException {
      rs.close();
      ps.close();
    }
  }
}
