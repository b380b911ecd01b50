package dev.pretrain.activities.retry;

import dev.pretrain.workflows.StepFailures;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.ServerException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.transaction.CannotCreateTransactionException;

/**
 * Tells an infrastructure fault (object storage, database or network unreachable, or a server error
 * there) from an error of the step itself, by the exceptions in the cause chain: callers wrap freely
 * (StorageException, Spring Batch, our job launcher), so the top-level type says little.
 */
public final class FailureClassifier {

  /** S3 error codes that mean "the server, not the request": retry later. */
  private static final Set<String> S3_SERVER_CODES =
      Set.of("InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout");

  /**
   * SQLStates of a lost or refused connection besides class 08: PostgreSQL's shutdown / "cannot
   * connect now" (57P01-57P03), H2's "connection is broken", "database closed" and "called at shutdown".
   */
  private static final Set<String> CONNECTION_SQL_STATES = Set.of("57P01", "57P02", "57P03", "90067", "90098", "90121");

  private FailureClassifier() {}

  /** {@link StepFailures#INFRASTRUCTURE} or {@link StepFailures#STEP_ERROR}. */
  public static String classify(Throwable failure) {
    return isInfrastructure(failure) ? StepFailures.INFRASTRUCTURE : StepFailures.STEP_ERROR;
  }

  public static boolean isInfrastructure(Throwable failure) {
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
      if (isInfrastructureItself(t)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isInfrastructureItself(Throwable t) {
    if (t instanceof IOException io) {
      return isNetwork(io);
    }
    if (t instanceof ServerException server) {
      return server.statusCode() >= 500;
    }
    if (t instanceof ErrorResponseException error) {
      return (error.response() != null && error.response().code() >= 500)
          || (error.errorResponse() != null && S3_SERVER_CODES.contains(error.errorResponse().code()));
    }
    if (t instanceof SQLException sql) {
      return isConnectionLost(sql);
    }
    return t instanceof TransientDataAccessException
        || t instanceof DataAccessResourceFailureException
        || t instanceof RecoverableDataAccessException
        || t instanceof CannotCreateTransactionException;
  }

  /**
   * Socket errors and timeouts, and any I/O error raised inside the HTTP client (okhttp, okio: a
   * connection reset or cut mid-response). A local file's I/O error is not one: a retry on this
   * worker most likely meets it again.
   */
  private static boolean isNetwork(IOException e) {
    String type = e.getClass().getName();
    if (type.startsWith("java.net.") || type.startsWith("okhttp3.") || type.startsWith("okio.")) {
      return true;
    }
    if (e instanceof InterruptedIOException) {
      return true; // okhttp's call, read and write timeouts
    }
    StackTraceElement[] stack = e.getStackTrace();
    if (stack.length == 0) {
      return false;
    }
    String thrower = stack[0].getClassName();
    return thrower.startsWith("okhttp3.") || thrower.startsWith("okio.") || thrower.startsWith("io.minio.");
  }

  private static boolean isConnectionLost(SQLException e) {
    if (e instanceof SQLTransientException || e instanceof SQLRecoverableException
        || e instanceof SQLNonTransientConnectionException) {
      return true;
    }
    String state = e.getSQLState();
    return state != null && (state.startsWith("08") || CONNECTION_SQL_STATES.contains(state));
  }
}
