package dev.pretrain.batch.tokenize;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.LongConsumer;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamWriter;

/**
 * Appends each document (end-of-text token, then its tokens) to the local token file of its split
 * and one line {@code {"doc_id","start","end"}} to that split's map. A split's files are created at
 * its first document, behind a zeroed header that {@link TokenShardPublisher} fills in once the
 * count is known.
 */
public class TokenShardWriter implements ItemStreamWriter<TokenizedDocument> {

  static final String DOCS = ".documents";
  static final String TOKENS = ".tokens";

  private final Path dir;
  private final LongConsumer progress;
  private final Map<Split, Output> outputs = new EnumMap<>(Split.class);
  private long documents;

  public TokenShardWriter(Path dir, LongConsumer progress) {
    this.dir = dir;
    this.progress = progress;
  }

  static Path binFile(Path dir, Split split) {
    return dir.resolve(split.prefix() + ".bin");
  }

  static Path mapFile(Path dir, Split split) {
    return dir.resolve(split.prefix() + ".map.jsonl");
  }

  /** One split's open files and counts. */
  private static final class Output {
    final OutputStream bin;
    final Writer map;
    long tokens;
    long documents;

    Output(Path bin, Path map) throws IOException {
      this.bin = new BufferedOutputStream(Files.newOutputStream(bin), 1 << 20);
      this.bin.write(new byte[LlmcTokenShard.HEADER_BYTES]);
      this.map = new BufferedWriter(Files.newBufferedWriter(map, StandardCharsets.UTF_8), 1 << 16);
    }
  }

  @Override
  public void write(Chunk<? extends TokenizedDocument> chunk) throws IOException {
    for (TokenizedDocument doc : chunk) {
      Output out = outputs.get(doc.split());
      if (out == null) {
        out = new Output(binFile(dir, doc.split()), mapFile(dir, doc.split()));
        outputs.put(doc.split(), out);
      }
      long start = out.tokens;
      long end = start + doc.shardTokens();
      if (end > LlmcTokenShard.MAX_TOKENS) {
        throw new IllegalStateException("the " + doc.split().prefix() + " shard would exceed the " + LlmcTokenShard.MAX_TOKENS
            + " tokens an llm.c header can count, at document " + doc.docId() + "; make document shards smaller");
      }
      LlmcTokenShard.writeTokens(out.bin, doc.tokens(), 0, doc.shardTokens());
      out.map.write(mapLine(doc.docId(), start, end));
      out.tokens = end;
      out.documents++;
      documents++;
    }
    progress.accept(documents);
  }

  static String mapLine(String docId, long start, long end) {
    return "{\"doc_id\":\"" + new String(JsonStringEncoder.getInstance().quoteAsString(docId)) + "\",\"start\":" + start
        + ",\"end\":" + end + "}\n";
  }

  @Override
  public void update(ExecutionContext executionContext) {
    for (Split split : Split.values()) {
      Output out = outputs.get(split);
      executionContext.putLong(split.prefix() + DOCS, out == null ? 0 : out.documents);
      executionContext.putLong(split.prefix() + TOKENS, out == null ? 0 : out.tokens);
    }
  }

  /** Closes the files but keeps the counts: the step may still ask for them in {@link #update}. */
  @Override
  public void close() {
    IOException failure = null;
    for (Output out : outputs.values()) {
      for (Closeable c : new Closeable[] {out.bin, out.map}) {
        try {
          c.close();
        } catch (IOException e) {
          failure = failure == null ? e : failure;
        }
      }
    }
    if (failure != null) {
      throw new UncheckedIOException("closing token files in " + dir, failure);
    }
  }
}
