package dev.pretrain.activities.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.db.storage.StorageException;
import dev.pretrain.workflows.StepFailures;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.ServerException;
import io.minio.messages.ErrorResponse;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;

class FailureClassifierTest {

  /** A local port nothing listens on: connections to it are refused. */
  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Test
  void objectStoreWithNothingListeningIsInfrastructure() throws IOException {
    ObjectStore store = new ObjectStore("http://127.0.0.1:" + closedPort(), "key", "secret", "us-east-1");
    StorageException e = assertThrows(StorageException.class, () -> store.bucketExists("runs"));
    // as the batch job launcher reports a failed job: its first failure as the cause
    assertEquals(StepFailures.INFRASTRUCTURE, FailureClassifier.classify(new IllegalStateException("job failed", e)));
  }

  @Test
  void databaseServerDownIsInfrastructure() throws IOException {
    String url = "jdbc:h2:tcp://127.0.0.1:" + closedPort() + "/mem:gone";
    SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection(url, "sa", ""));
    assertEquals(StepFailures.INFRASTRUCTURE, FailureClassifier.classify(e));
    assertEquals(StepFailures.INFRASTRUCTURE,
        FailureClassifier.classify(new CannotGetJdbcConnectionException("no connection", e)));
  }

  @Test
  void serverErrorsOfObjectStorageAreInfrastructure() {
    assertTrue(FailureClassifier.isInfrastructure(
        new StorageException("put", new ServerException("service unavailable", 503, "trace"))));
    ErrorResponse slowDown = new ErrorResponse("SlowDown", "reduce your request rate", "runs", "k", null, null, null);
    assertTrue(FailureClassifier.isInfrastructure(new ErrorResponseException(slowDown, null, "trace")));
    ErrorResponse noSuchKey = new ErrorResponse("NoSuchKey", "no such key", "runs", "k", null, null, null);
    assertFalse(FailureClassifier.isInfrastructure(new ErrorResponseException(noSuchKey, null, "trace")));
  }

  @Test
  void connectionSqlStatesAreInfrastructureOtherSqlErrorsAreNot() {
    assertTrue(FailureClassifier.isInfrastructure(new SQLException("connection failure", "08006")));
    assertTrue(FailureClassifier.isInfrastructure(new SQLException("terminating connection", "57P01")));
    assertFalse(FailureClassifier.isInfrastructure(new SQLException("duplicate key", "23505")));
    assertFalse(FailureClassifier.isInfrastructure(
        new DataIntegrityViolationException("duplicate key", new SQLException("duplicate key", "23505"))));
  }

  @Test
  void bugsAndLocalFileErrorsAreStepErrors(@TempDir Path dir) {
    IOException missing = assertThrows(IOException.class, () -> Files.readString(dir.resolve("missing.json")));
    assertEquals(StepFailures.STEP_ERROR,
        FailureClassifier.classify(new UncheckedIOException(missing.getMessage(), missing)));
    NullPointerException npe = assertThrows(NullPointerException.class, () -> List.of((Object) null));
    assertEquals(StepFailures.STEP_ERROR, FailureClassifier.classify(new IllegalStateException("job failed", npe)));
  }

  @Test
  void aCauseCycleEnds() {
    IllegalStateException a = new IllegalStateException("a");
    IllegalStateException b = new IllegalStateException("b", a);
    a.initCause(b);
    assertEquals(StepFailures.STEP_ERROR, FailureClassifier.classify(a));
  }

  @Test
  void aStepErrorParksAfterItsAttemptsAnInfrastructureFaultKeepsRetrying() {
    RuntimeException bug = new IllegalStateException("index out of range");
    ApplicationFailure first = (ApplicationFailure) StepRetryInterceptor.classified(bug, 1);
    assertEquals(StepFailures.STEP_ERROR, first.getType());
    assertFalse(first.isNonRetryable());
    assertSame(bug, first.getCause());
    assertTrue(((ApplicationFailure) StepRetryInterceptor.classified(bug, StepFailures.STEP_ERROR_ATTEMPTS))
        .isNonRetryable());

    RuntimeException outage = new StorageException("get", new java.net.ConnectException("Connection refused"));
    ApplicationFailure late = (ApplicationFailure) StepRetryInterceptor.classified(outage,
        StepFailures.INFRASTRUCTURE_ATTEMPTS - 1);
    assertEquals(StepFailures.INFRASTRUCTURE, late.getType());
    assertFalse(late.isNonRetryable(), "Temporal's maximum attempts bound it");
  }

  @Test
  void applicationFailuresKeepTheirTypeAndNonRetryableOnesAreUntouched() {
    ApplicationFailure injected = ApplicationFailure.newFailure("injected fault in tokenize", "InjectedFault");
    assertFalse(((ApplicationFailure) StepRetryInterceptor.classified(injected, 2)).isNonRetryable());
    ApplicationFailure last = (ApplicationFailure) StepRetryInterceptor.classified(injected,
        StepFailures.STEP_ERROR_ATTEMPTS);
    assertEquals("InjectedFault", last.getType());
    assertTrue(last.isNonRetryable());

    ApplicationFailure bad = ApplicationFailure.newNonRetryableFailure("unknown encoding", StepFailures.BAD_PARAMETER);
    assertSame(bad, StepRetryInterceptor.classified(bad, 1));
  }

  @Test
  void onlyStepActivitiesAreClassified() {
    var types = StepRetryInterceptor.stepActivityTypes(List.of(
        dev.pretrain.workflows.ingest.IngestActivities.class, dev.pretrain.workflows.train.TrainActivities.class));
    assertEquals(java.util.Set.of("PlanIngest", "IngestPartition", "Train"), types);
  }
}
