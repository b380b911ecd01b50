package dev.pretrain.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The metadata database: a pooled DataSource, migrated by Flyway on open. H2 (TCP server, PostgreSQL
 * mode) locally, PostgreSQL in production; the same migrations run on both.
 */
public final class Database implements AutoCloseable {

  private final HikariDataSource dataSource;

  private Database(HikariDataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** Opens a pool on {@code jdbcUrl} and applies pending migrations. */
  public static Database open(String jdbcUrl, String user, String password) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    config.setUsername(user);
    config.setPassword(password);
    config.setMaximumPoolSize(8);
    config.setPoolName("pretrain-db");
    HikariDataSource ds = new HikariDataSource(config);
    try {
      Flyway.configure()
          .dataSource(ds)
          .locations("classpath:db/migration", "classpath:dev/pretrain/db/migration")
          .load()
          .migrate();
    } catch (RuntimeException e) {
      ds.close();
      throw e;
    }
    return new Database(ds);
  }

  /** JDBC URL of our H2 database served by an H2 TCP server on {@code port}, file under {@code dir}. */
  public static String h2ServerUrl(int port, java.nio.file.Path dir) {
    return "jdbc:h2:tcp://127.0.0.1:" + port + "/" + dir.toAbsolutePath().resolve("pretrain")
        + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH";
  }

  public DataSource dataSource() {
    return dataSource;
  }

  public JdbcTemplate jdbc() {
    return new JdbcTemplate(dataSource);
  }

  @Override
  public void close() {
    dataSource.close();
  }
}
