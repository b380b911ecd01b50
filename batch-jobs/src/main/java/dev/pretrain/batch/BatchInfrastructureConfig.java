package dev.pretrain.batch;

import javax.sql.DataSource;
import org.springframework.batch.core.configuration.annotation.EnableBatchProcessing;
import org.springframework.batch.core.configuration.annotation.EnableJdbcJobRepository;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.support.JdbcTransactionManager;

/**
 * Spring Batch with its JDBC job repository in our database (Spring Batch 6 would otherwise use a
 * resourceless repository and forget every execution). The {@code dataSource} bean is supplied by
 * {@link BatchJobRunner} from the already-migrated {@link dev.pretrain.db.Database}.
 */
@Configuration
@EnableBatchProcessing
@EnableJdbcJobRepository
public class BatchInfrastructureConfig {

  @Bean
  public JdbcTransactionManager transactionManager(DataSource dataSource) {
    return new JdbcTransactionManager(dataSource);
  }
}
