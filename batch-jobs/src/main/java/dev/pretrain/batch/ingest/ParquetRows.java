package dev.pretrain.batch.ingest;

import blue.strategic.parquet.Hydrator;
import blue.strategic.parquet.ParquetReader;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * The rows of a Parquet file, one at a time, each as the JSON object a JSONL line would hold
 * (column name to value), so that ingest validates them exactly as it validates JSONL records.
 *
 * <p>Read with parquet-floor, which runs parquet-hadoop's reader with the handful of Hadoop classes
 * it needs bundled, instead of Hadoop's client (about 60 MB of dependencies, and a local-filesystem
 * layer we do not use). Parquet keeps its index at the end of the file, so the stored bytes are first
 * copied to a file in the job's scratch directory under the worker's work directory (disk, not
 * memory, and not {@code /tmp}; the launcher deletes that directory after the job); then rows are
 * decoded one row group at a time.
 * A {@code text} column that is binary without Parquet's STRING annotation is refused: its values
 * would come out as hex, not text.
 */
final class ParquetRows implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final ParquetReader<Map<String, Object>, Map<String, Object>, String[]> reader;
  private long rows;

  private ParquetRows(Path file, ParquetReader<Map<String, Object>, Map<String, Object>, String[]> reader) {
    this.file = file;
    this.reader = reader;
  }

  /**
   * Copies {@code stored} to a temporary file. A failure to read {@code stored} or to write the copy
   * is thrown as it is (storage or disk, not the data); a file Parquet cannot open throws
   * {@link ParquetFileException}.
   */
  static ParquetRows open(InputStream stored, Path scratchDir) {
    Path tmp;
    try {
      tmp = Files.createTempFile(Files.createDirectories(scratchDir), "input-", ".parquet");
      Files.copy(stored, tmp, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy a Parquet input to local disk: " + e.getMessage(), e);
    }
    try {
      checkTextColumn(ParquetReader.readMetadata(tmp.toFile()).getFileMetaData().getSchema());
      return new ParquetRows(tmp, ParquetReader.spliterator(tmp.toFile(), new RowHydrator()));
    } catch (IOException | RuntimeException e) {
      delete(tmp);
      throw new ParquetFileException(e instanceof ParquetFileException ? e.getMessage()
          : "not a readable Parquet file: " + message(e), e);
    }
  }

  /** The next row as JSON, or null after the last one; a row Parquet cannot decode throws {@link ParquetFileException}. */
  byte[] next() {
    Object[] row = new Object[1];
    boolean more;
    try {
      more = reader.tryAdvance(r -> row[0] = r);
    } catch (RuntimeException e) {
      throw new ParquetFileException("cannot decode row " + (rows + 1) + ": " + message(e), e);
    }
    if (!more) {
      return null;
    }
    rows++;
    try {
      return JSON.writeValueAsBytes(row[0]);
    } catch (JsonProcessingException e) {
      throw new ParquetFileException("row " + rows + " cannot be written as JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** Rows returned so far. */
  long rows() {
    return rows;
  }

  @Override
  public void close() {
    try {
      reader.close();
    } catch (IOException | RuntimeException e) {
      // read to the end or given up on; the copy is deleted either way
    }
    delete(file);
  }

  static void checkTextColumn(MessageType schema) {
    if (!schema.containsField("text")) {
      return; // each row is then quarantined as "missing field 'text'", like a JSONL record
    }
    Type text = schema.getType("text");
    if (text.isPrimitive() && text.asPrimitiveType().getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.BINARY
        && !(text.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation)) {
      throw new ParquetFileException("column 'text' is BINARY without the STRING (UTF8) annotation: its bytes would"
          + " be read as hex, not text; write it as a string column");
    }
  }

  private static String message(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && (t.getMessage() == null || t.getMessage().isBlank())) {
      t = t.getCause();
    }
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    // parquet-hadoop names its input file by Object.toString ("...ParquetReader$2@1a2b3c"): not ours to show
    return m.replaceAll("\\S+@[0-9a-f]+ ", "the file ");
  }

  private static void delete(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // a temporary file left behind is harmless
    }
  }

  /** The file's bytes are not a Parquet file ingest can read, or a row of it cannot be decoded. */
  static final class ParquetFileException extends RuntimeException {
    ParquetFileException(String message, Throwable cause) {
      super(message, cause);
    }

    ParquetFileException(String message) {
      super(message);
    }
  }

  /** Builds one row as an ordered map of column name to value (a repeated column's values as a list). */
  private static final class RowHydrator implements Hydrator<Map<String, Object>, Map<String, Object>, String[]> {
    @Override
    public Map<String, Object> start() {
      return new LinkedHashMap<>();
    }

    @Override
    @SuppressWarnings("unchecked")
    public Map<String, Object> add(Map<String, Object> row, String[] path, Object value) {
      String name = String.join(".", path);
      Object before = row.putIfAbsent(name, value);
      if (before != null) {
        java.util.List<Object> values = before instanceof java.util.List<?> l ? (java.util.List<Object>) l
            : new java.util.ArrayList<>(java.util.List.of(before));
        values.add(value);
        row.put(name, values);
      }
      return row;
    }

    @Override
    public Map<String, Object> finish(Map<String, Object> row) {
      return row;
    }
  }
}
