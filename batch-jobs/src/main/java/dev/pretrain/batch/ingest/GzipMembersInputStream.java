package dev.pretrain.batch.ingest;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.zip.ZipException;

/**
 * Decompresses a gzip file of one or more members (RFC 1952), as one stream. Written for ingest
 * rather than taken from the JDK or commons-compress because ingest needs three things together:
 * <ul>
 *   <li>every member is read: the JDK's GZIPInputStream decides whether another member follows from
 *       {@code available()}, which a network stream may answer with 0 (JDK-7036144);
 *   <li>garbage or a cut after a member is an error, never a silent end of data;
 *   <li>a read returns as soon as it has bytes, so that when the input breaks, everything
 *       decompressed before the break has been delivered (commons-compress fills the whole buffer
 *       first and loses it with the exception).
 * </ul>
 * A cut input throws {@link EOFException}; corrupt data throws {@link ZipException}.
 */
final class GzipMembersInputStream extends InputStream {

  private static final int FHCRC = 2;
  private static final int FEXTRA = 4;
  private static final int FNAME = 8;
  private static final int FCOMMENT = 16;

  private final InputStream in;
  private final byte[] buf = new byte[1 << 16];
  private int pos;
  private int limit;
  private final Inflater inflater = new Inflater(true);
  private final CRC32 crc = new CRC32();
  private boolean inBody;
  private boolean done;
  private int members;
  private long memberBytes;
  private long filled; // compressed bytes pulled from the source so far

  GzipMembersInputStream(InputStream in) {
    this.in = in;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n;
    while ((n = read(one, 0, 1)) == 0) {
      // inflate may produce nothing for a while (headers, empty blocks)
    }
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (!done) {
      if (!inBody) {
        if (members > 0 && atEnd()) {
          done = true;
          break;
        }
        readHeader();
        inflater.reset();
        crc.reset();
        memberBytes = 0;
        inBody = true;
      }
      if (inflater.needsInput()) {
        if (pos == limit && !fill()) {
          throw new EOFException("gzip member " + (members + 1) + " ends early at compressed byte " + filled);
        }
        inflater.setInput(buf, pos, limit - pos);
        pos = limit; // the inflater owns these bytes until it needs input again or finishes
      }
      int n;
      try {
        n = inflater.inflate(b, off, len);
      } catch (DataFormatException e) {
        throw new ZipException("corrupt deflate data in gzip member " + (members + 1) + " before compressed byte "
            + filled + ": " + e.getMessage());
      }
      if (n > 0) {
        crc.update(b, off, n);
        memberBytes += n;
        return n;
      }
      if (inflater.finished()) {
        pos = limit - inflater.getRemaining(); // the unused tail holds the trailer and what follows
        readTrailer();
        members++;
        inBody = false;
      } else if (inflater.needsDictionary()) {
        throw new ZipException("gzip member " + (members + 1) + " needs a preset dictionary");
      }
    }
    return -1;
  }

  @Override
  public void close() throws IOException {
    inflater.end();
    in.close();
  }

  private void readHeader() throws IOException {
    int id1 = readByte();
    int id2 = readByte();
    if (id1 != 0x1f || id2 != 0x8b) {
      if (id1 < 0 || id2 < 0) {
        throw new EOFException("gzip header of member " + (members + 1) + " cut short at compressed byte " + filled);
      }
      throw new ZipException(members == 0 ? "not in gzip format"
          : "garbage after gzip member " + members + " at compressed byte " + (offset() - 2));
    }
    if (need(readByte()) != 8) {
      throw new ZipException("unsupported compression method in gzip member " + (members + 1));
    }
    int flags = need(readByte());
    skip(6); // mtime, xfl, os
    if ((flags & FEXTRA) != 0) {
      skip(need(readByte()) | need(readByte()) << 8);
    }
    if ((flags & FNAME) != 0) {
      while (need(readByte()) != 0) {
        // zero-terminated file name
      }
    }
    if ((flags & FCOMMENT) != 0) {
      while (need(readByte()) != 0) {
        // zero-terminated comment
      }
    }
    if ((flags & FHCRC) != 0) {
      skip(2);
    }
  }

  private void readTrailer() throws IOException {
    long at = offset();
    long crc32 = readUInt32();
    long size = readUInt32();
    if (crc32 != crc.getValue()) {
      throw new ZipException(String.format("gzip CRC mismatch in member %d (trailer at compressed byte %d says %08x,"
          + " the %d decompressed bytes give %08x)", members + 1, at, crc32, memberBytes, crc.getValue()));
    }
    if (size != (memberBytes & 0xffffffffL)) {
      throw new ZipException("gzip size mismatch in member " + (members + 1) + " (trailer at compressed byte " + at
          + " says " + size + " bytes, decompressed " + memberBytes + ")");
    }
  }

  /** Offset in the compressed input of the next byte not yet handed to the inflater or parsed. */
  private long offset() {
    return filled - (limit - pos);
  }

  private long readUInt32() throws IOException {
    long v = 0;
    for (int i = 0; i < 4; i++) {
      v |= (long) need(readByte()) << (8 * i);
    }
    return v;
  }

  private void skip(int n) throws IOException {
    for (int i = 0; i < n; i++) {
      need(readByte());
    }
  }

  private int need(int b) throws EOFException {
    if (b < 0) {
      throw new EOFException("gzip member " + (members + 1) + " cut short in its header or trailer at compressed byte "
          + filled);
    }
    return b;
  }

  private int readByte() throws IOException {
    if (pos == limit && !fill()) {
      return -1;
    }
    return buf[pos++] & 0xff;
  }

  private boolean atEnd() throws IOException {
    return pos == limit && !fill();
  }

  private boolean fill() throws IOException {
    int n;
    do {
      n = in.read(buf, 0, buf.length);
    } while (n == 0);
    if (n < 0) {
      return false;
    }
    pos = 0;
    limit = n;
    filled += n;
    return true;
  }
}
