package dev.pretrain.batch.ingest;

import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * Decompresses a Zstandard file of one or more frames, as one stream, with zstd's own decoder
 * (zstd-jni). Written on the decoder context rather than zstd-jni's {@code ZstdInputStream}, which
 * ends silently, with no error, when the input is cut inside a frame after the first one: the
 * rest of the file would be dropped without a trace. Here a cut input throws {@link EOFException}
 * and corrupt data an {@link IOException}, both naming the frame and the compressed offset; a read
 * returns as soon as it has bytes, so everything decoded before a break has been delivered. Memory
 * is bounded by the frame's window (zstd's decoder refuses windows over 128 MiB by default).
 */
final class ZstdFramesInputStream extends InputStream {

  private final InputStream in;
  private final ZstdDecompressCtx decoder = new ZstdDecompressCtx();
  private final byte[] chunk = new byte[1 << 16];
  private final ByteBuffer src = ByteBuffer.allocateDirect(1 << 16).flip();
  private final ByteBuffer dst = ByteBuffer.allocateDirect(1 << 17).flip();
  private boolean inFrame; // bytes of a frame consumed and the frame not complete yet
  private boolean eof;
  private int frames; // frames begun
  private long consumed; // compressed bytes handed to the decoder

  ZstdFramesInputStream(InputStream in) {
    this.in = in;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (!dst.hasRemaining()) {
      if (!src.hasRemaining()) {
        if (eof || !refill()) {
          eof = true;
          if (inFrame) {
            throw new EOFException("zstd frame " + frames + " ends early at compressed byte " + consumed);
          }
          return -1;
        }
      }
      decode();
    }
    int n = Math.min(len, dst.remaining());
    dst.get(b, off, n);
    return n;
  }

  /** Runs the decoder on what input is buffered, into an empty output buffer. */
  private void decode() throws IOException {
    int before = src.position();
    if (!inFrame) {
      frames++;
    }
    dst.clear();
    boolean frameDone;
    try {
      frameDone = decoder.decompressDirectByteBufferStream(dst, src);
    } catch (ZstdException e) {
      throw new IOException("corrupt zstd frame " + frames + " near compressed byte " + consumed + ": "
          + e.getMessage(), e);
    } finally {
      dst.flip();
    }
    consumed += src.position() - before;
    inFrame = !frameDone;
  }

  private boolean refill() throws IOException {
    int n = in.read(chunk, 0, chunk.length);
    if (n < 0) {
      return false;
    }
    src.clear();
    src.put(chunk, 0, n);
    src.flip();
    return true;
  }

  @Override
  public void close() throws IOException {
    decoder.close();
    in.close();
  }
}
