package dev.pretrain.db.migration;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Statement;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * Spring Batch's JDBC job repository schema, applied from the DDL that ships inside
 * spring-batch-core for the database at hand, so that the repository's tables are versioned by
 * Flyway with ours and always match the Spring Batch version on the classpath.
 */
public class V2__SpringBatchSchema extends BaseJavaMigration {

  @Override
  public void migrate(Context context) throws Exception {
    String product = context.getConnection().getMetaData().getDatabaseProductName().toLowerCase();
    String script;
    if (product.contains("h2")) {
      script = "org/springframework/batch/core/schema-h2.sql";
    } else if (product.contains("postgres")) {
      script = "org/springframework/batch/core/schema-postgresql.sql";
    } else {
      throw new IllegalStateException("no Spring Batch schema for database " + product);
    }
    try (Statement st = context.getConnection().createStatement()) {
      for (String sql : statements(script)) {
        st.execute(sql);
      }
    }
  }

  private static String[] statements(String resource) throws IOException {
    try (InputStream in = V2__SpringBatchSchema.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing " + resource + " in spring-batch-core");
      }
      StringBuilder sql = new StringBuilder();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!line.trim().startsWith("--")) {
          sql.append(line).append('\n');
        }
      }
      return java.util.Arrays.stream(sql.toString().split(";"))
          .map(String::trim)
          .filter(s -> !s.isEmpty())
          .toArray(String[]::new);
    }
  }
}
