package dev.pretrain.batch.shards;

import dev.pretrain.db.storage.ObjectStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamReader;

/**
 * Reads document shards (JSONL) one after the other, streaming each from S3, and yields their
 * documents in order. Each shard's SHA-256 is computed while reading and checked against the
 * digest its artifact reference promised, so a step never silently works on the wrong bytes.
 *
 * <p>Not restartable on purpose: a failed attempt is redone whole (its output is deterministic).
 */
public class DocumentShardReader implements ItemStreamReader<ShardDocument> {

  private final ObjectStore store;
  private final List<ObjectStore.Stored> shards;
  private final DocumentLineParser parser;

  private int next;
  private int current = -1;
  private BufferedReader in;
  private MessageDigest digest;
  private long lineNo;

  public DocumentShardReader(ObjectStore store, List<ObjectStore.Stored> shards, boolean withText) {
    this.store = store;
    this.shards = List.copyOf(shards);
    this.parser = new DocumentLineParser(withText);
  }

  @Override
  public void open(ExecutionContext executionContext) {
    next = 0;
    current = -1;
  }

  @Override
  public ShardDocument read() throws IOException {
    while (true) {
      if (in == null) {
        if (next >= shards.size()) {
          return null;
        }
        openShard(next++);
      }
      String line;
      try {
        line = in.readLine();
      } catch (CharacterCodingException e) {
        throw new ShardFormatException(shards.get(current).uri() + " after line " + lineNo + ": not valid UTF-8", e);
      }
      if (line == null) {
        finishShard();
        continue;
      }
      lineNo++;
      ObjectStore.Stored shard = shards.get(current);
      String where = shard.uri() + " line " + lineNo;
      if (line.isBlank()) {
        throw new ShardFormatException(where + ": blank line");
      }
      return parser.parse(current, lineNo, line, where);
    }
  }

  private void openShard(int index) {
    ObjectStore.Stored shard = shards.get(index);
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    InputStream raw = store.open(shard.bucket(), shard.key());
    // Strict UTF-8: a shard with broken bytes is a fault to report, not text to repair.
    in = new BufferedReader(new InputStreamReader(new DigestInputStream(raw, digest),
        StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)), 1 << 16);
    current = index;
    lineNo = 0;
  }

  private void finishShard() throws IOException {
    ObjectStore.Stored shard = shards.get(current);
    in.close();
    in = null;
    String actual = HexFormat.of().formatHex(digest.digest());
    if (shard.sha256() != null && !shard.sha256().equalsIgnoreCase(actual)) {
      throw new ShardFormatException(shard.uri() + ": content SHA-256 is " + actual + " but its artifact reference says "
          + shard.sha256() + " (object changed or reference is stale)");
    }
  }

  @Override
  public void update(ExecutionContext executionContext) {}

  @Override
  public void close() {
    if (in != null) {
      try {
        in.close();
      } catch (IOException ignored) {
        // closing a half-read HTTP body; nothing to recover
      }
      in = null;
    }
  }
}
