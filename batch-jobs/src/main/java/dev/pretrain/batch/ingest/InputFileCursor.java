package dev.pretrain.batch.ingest;

import dev.pretrain.db.storage.ObjectStore;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Reads one input file as a sequence of {@link RawRecord}s, streaming, while computing the SHA-256
 * and size of its stored bytes (the input's artifact digest).
 *
 * <p>Two kinds of errors are kept apart: a failure to fetch bytes (network, storage) is thrown
 * unchecked and fails the job so that it is retried; a fault in the bytes themselves (a truncated or
 * corrupt gzip or zstd stream) becomes one quarantined record where it broke, and the file ends there.
 */
final class InputFileCursor implements AutoCloseable {

  /** The file's digest, once read to the end. */
  record Digest(String uri, String sha256, long sizeBytes) {}

  private final String uri;
  private final InputFormat format;
  private final InputFormat.Compression compression;
  private final int maxRecordBytes;
  private final DigestingStream raw;
  private InputStream decoded;
  private BoundedLineReader lines;
  private ParquetRows rows;
  private WarcRecords warc;
  private final Path scratchDir;
  private boolean done;

  private InputFileCursor(String uri, InputStream source, int maxRecordBytes, Path scratchDir) {
    this.uri = uri;
    this.scratchDir = scratchDir;
    this.format = InputFormat.of(uri);
    this.compression = InputFormat.compression(uri);
    this.maxRecordBytes = maxRecordBytes;
    this.raw = new DigestingStream(source, uri);
  }

  static InputFileCursor open(String uri, ObjectStore store, int maxRecordBytes, Path scratchDir) {
    InputStream source;
    if (uri.startsWith("s3://")) {
      String rest = uri.substring("s3://".length());
      int slash = rest.indexOf('/');
      source = store.open(rest.substring(0, slash), rest.substring(slash + 1));
    } else {
      Path path = Path.of(URI.create(uri));
      try {
        source = Files.newInputStream(path);
      } catch (NoSuchFileException e) {
        throw new IngestInputException("input " + uri + " does not exist (any more)", e);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot open " + uri + ": " + e.getMessage(), e);
      }
    }
    return new InputFileCursor(uri, source, maxRecordBytes, scratchDir);
  }

  /** The next record, or null when the file is done. */
  RawRecord next() {
    if (done) {
      return null;
    }
    return switch (format) {
      case JSONL -> nextLine();
      case TEXT -> uri.toLowerCase(java.util.Locale.ROOT).endsWith(".warc.zst") ? zstdWarc() : wholeFile();
      case PARQUET -> nextRow();
      case WARC -> nextWarcRecord();
    };
  }

  /** Bytes of the stored file read so far. */
  long rawBytes() {
    return raw.count;
  }

  /** Reads what is left of the stored bytes (to digest all of them) and closes the file. */
  Digest finish() {
    byte[] skip = new byte[1 << 16];
    while (raw.read(skip, 0, skip.length) >= 0) {
      // digesting only
    }
    close();
    return new Digest(uri, HexFormat.of().formatHex(raw.digest.digest()), raw.count);
  }

  @Override
  public void close() {
    try {
      if (decoded != null && decoded != raw) {
        decoded.close(); // frees the inflater, closes raw
      }
      if (rows != null) {
        rows.close(); // deletes the local copy
      }
      raw.close();
    } catch (IOException | UncheckedIOException e) {
      // nothing more to read from it; the job's outcome does not depend on this
    }
  }

  private InputStream decoded() throws IOException {
    if (decoded == null) {
      decoded = switch (compression) {
        case NONE -> raw;
        case GZIP -> new GzipMembersInputStream(raw);
        case ZSTD -> new ZstdFramesInputStream(raw);
      };
    }
    return decoded;
  }

  private RawRecord nextLine() {
    try {
      if (lines == null) {
        lines = new BoundedLineReader(decoded(), maxRecordBytes);
      }
      BoundedLineReader.Line line = lines.next();
      if (line == null) {
        done = true;
        return null;
      }
      if (line.bytes() == null) {
        // only the first maxRecordBytes were buffered; the reader has already skipped to the next newline
        return RawRecord.fault(uri, format, line.number(), line.offset(),
            "line longer than " + maxRecordBytes + " bytes (" + line.length() + " bytes); skipped to the next newline",
            line.head());
      }
      return RawRecord.data(uri, format, line.number(), line.offset(), line.bytes());
    } catch (IOException e) {
      done = true;
      if (lines == null) {
        return brokenAt(1, 0, 0, new byte[0], e);
      }
      return brokenAt(lines.lineNumber(), lines.lineStart(), lines.consumed(), lines.head(), e);
    }
  }

  /**
   * The next Parquet row, as the JSON object of its columns; its "line" is the row number. A file or
   * row Parquet cannot read ends the file with one quarantined record, like a broken gzip stream.
   */
  private RawRecord nextRow() {
    long row = rows == null ? 1 : rows.rows() + 1;
    try {
      if (rows == null) {
        rows = ParquetRows.open(raw, scratchDir);
      }
      byte[] json = rows.next();
      if (json == null) {
        done = true;
        return null;
      }
      return RawRecord.data(uri, format, rows.rows(), 0, json);
    } catch (ParquetRows.ParquetFileException e) {
      done = true;
      return RawRecord.fault(uri, format, row, 0, e.getMessage() + " (rows before it are kept, the rest of the file is"
          + " not read)", new byte[0]);
    }
  }

  /**
   * The next document of a WARC file. The stored bytes go to jwarc as they are, {@code .warc.gz}
   * included: it inflates each gzip member itself (the {@link #decoded} stream is not used), and the
   * digest still sees every stored byte.
   */
  private RawRecord nextWarcRecord() {
    if (warc == null) {
      warc = new WarcRecords(uri, raw, maxRecordBytes);
    }
    RawRecord r = warc.next();
    if (r == null) {
      done = true;
    }
    return r;
  }

  /**
   * A zstd WARC (its dictionary in a skippable frame) is not read: as a text file it would become one
   * document of WARC headers and HTML. One quarantined record says what to do instead.
   */
  private RawRecord zstdWarc() {
    done = true;
    return RawRecord.fault(uri, format, 1, 0, "WARC compressed with zstd (.warc.zst) is not read: decompress it,"
        + " or recompress it as .warc.gz", new byte[0]);
  }

  private RawRecord wholeFile() {
    done = true;
    byte[] head = new byte[BoundedLineReader.HEAD_BYTES];
    int headLength = 0;
    byte[] body = new byte[0];
    long total = 0;
    try {
      InputStream in = decoded();
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf, 0, buf.length)) >= 0; ) {
        int h = Math.min(n, head.length - headLength);
        System.arraycopy(buf, 0, head, headLength, h);
        headLength += h;
        if (total + n <= maxRecordBytes) {
          body = grow(body, total + n);
          System.arraycopy(buf, 0, body, (int) total, n);
        } else {
          body = null; // over the limit: only the head is kept, the rest is counted
        }
        total += n;
      }
    } catch (IOException e) {
      return brokenAt(1, 0, total, Arrays.copyOf(head, headLength), e);
    }
    if (total == 0) {
      return null; // an empty file holds no document: recorded as an input with 0 records, not as a rejection
    }
    if (body == null) {
      return RawRecord.fault(uri, format, 1, 0,
          "text file longer than " + maxRecordBytes + " bytes (" + total + " bytes)", Arrays.copyOf(head, headLength));
    }
    return RawRecord.data(uri, format, 1, 0, Arrays.copyOf(body, (int) total));
  }

  /**
   * A fault of the compressed stream ends the file: the record being read when it broke is
   * quarantined with the reason.
   * Lines decoded before the fault were already handed on and are kept (for a CRC mismatch too: the
   * check comes at the member's end, and holding a whole member back would unbound memory).
   */
  private RawRecord brokenAt(long line, long offset, long decodedBytes, byte[] head, IOException e) {
    String why = (e instanceof EOFException ? "truncated " + compression.label() + " input: " : "") + e.getMessage()
        + " (after " + decodedBytes + " decompressed bytes; lines before it are kept, the rest of the file is not read)";
    return RawRecord.fault(uri, format, line, offset, why, head);
  }

  private static byte[] grow(byte[] a, long need) {
    if (need <= a.length) {
      return a;
    }
    return Arrays.copyOf(a, (int) Math.max(need, Math.min((long) a.length * 2, Integer.MAX_VALUE - 8)));
  }

  /**
   * Counts and digests the stored bytes. A read failure here is the storage's, not the data's: it is
   * rethrown unchecked so that no decoder above mistakes it for a corrupt file.
   */
  private static final class DigestingStream extends FilterInputStream {
    private final MessageDigest digest;
    private final String uri;
    private long count;

    DigestingStream(InputStream in, String uri) {
      super(in);
      this.uri = uri;
      try {
        this.digest = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      int n;
      try {
        n = in.read(b, off, len);
      } catch (IOException e) {
        throw new UncheckedIOException("reading " + uri + " after " + count + " bytes: " + e.getMessage(), e);
      }
      if (n > 0) {
        digest.update(b, off, n);
        count += n;
      }
      return n;
    }

    @Override
    public long skip(long n) {
      // skipped bytes must still be digested
      byte[] buf = new byte[(int) Math.min(n, 8192)];
      int r = read(buf, 0, buf.length);
      return Math.max(r, 0);
    }

    @Override
    public boolean markSupported() {
      return false;
    }
  }
}
