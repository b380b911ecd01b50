package dev.pretrain.batch.dedup.stages;

import dev.pretrain.batch.shards.DocumentLineParser;
import dev.pretrain.batch.shards.ShardDocument;
import dev.pretrain.batch.shards.ShardFormatException;
import dev.pretrain.db.storage.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Reads an ingest document shard line by line with each line's byte offset and length, which later
 * stages use to fetch one document's text by a ranged read. Strict UTF-8; the shard's SHA-256 is
 * checked against its reference at the end, as {@code DocumentShardReader} does.
 */
final class ShardScanner {

  /** A document and where its line is in the shard. */
  record Line(ShardDocument doc, long offset, int length) {}

  interface Sink {
    void accept(Line line);
  }

  private ShardScanner() {}

  private static byte[] append(byte[] line, int len, byte[] src, int from, int n) {
    if (len + n > line.length) {
      line = Arrays.copyOf(line, Math.max(line.length * 2, len + n));
    }
    System.arraycopy(src, from, line, len, n);
    return line;
  }

  private static ShardDocument parse(DocumentLineParser parser, CharsetDecoder utf8, byte[] line, int len, String where,
      int shardIndex, long lineNo) {
    String text;
    try {
      text = utf8.decode(ByteBuffer.wrap(line, 0, len)).toString();
    } catch (CharacterCodingException e) {
      throw new ShardFormatException(where + ": not valid UTF-8", e);
    }
    if (text.isBlank()) {
      throw new ShardFormatException(where + ": blank line");
    }
    return parser.parse(shardIndex, lineNo, text, where);
  }

  static void scan(ObjectStore store, ObjectStore.Stored shard, int shardIndex, Sink sink) {
    DocumentLineParser parser = new DocumentLineParser(true);
    CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] line = new byte[1 << 16];
    byte[] chunk = new byte[1 << 16];
    int len = 0;
    long offset = 0;
    long lineNo = 0;
    try (InputStream in = new DigestInputStream(store.open(shard.bucket(), shard.key()), sha)) {
      for (int n; (n = in.read(chunk)) >= 0; ) {
        int from = 0;
        for (int i = 0; i < n; i++) {
          if (chunk[i] != '\n') {
            continue;
          }
          line = append(line, len, chunk, from, i - from);
          len += i - from;
          from = i + 1;
          lineNo++;
          sink.accept(new Line(parse(parser, utf8, line, len, shard.uri() + " line " + lineNo, shardIndex, lineNo),
              offset, len));
          offset += len + 1;
          len = 0;
        }
        line = append(line, len, chunk, from, n - from);
        len += n - from;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("read " + shard.uri(), e);
    }
    if (len > 0) {
      throw new ShardFormatException(shard.uri() + " line " + (lineNo + 1) + ": last line has no newline (shard cut short?)");
    }
    String actual = HexFormat.of().formatHex(sha.digest());
    if (shard.sha256() != null && !shard.sha256().equalsIgnoreCase(actual)) {
      throw new ShardFormatException(shard.uri() + ": content SHA-256 is " + actual + " but its artifact reference says "
          + shard.sha256() + " (object changed or reference is stale)");
    }
  }
}
