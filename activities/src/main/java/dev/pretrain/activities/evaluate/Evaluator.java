package dev.pretrain.activities.evaluate;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import dev.pretrain.activities.train.DjlRuntime;
import dev.pretrain.activities.train.LlamaModel;
import dev.pretrain.activities.train.TokenShards;
import dev.pretrain.batch.tokenize.bpe.BpeVocabulary;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Validation metrics over whole token shards.
 *
 * <p>Each shard is cut into consecutive windows of up to {@code seqLen + 1} tokens starting every
 * {@code seqLen} tokens (the last, shorter window takes the shard's tail), so every token but the
 * first of each shard is predicted exactly once, from at most {@code seqLen} tokens of context
 * (windows never cross shards). Full windows are evaluated {@code batch} at a time. The result holds
 * the same figures for each shard on its own ({@link Result#perShard}): with one shard per source,
 * the figures per source.
 *
 * <ul>
 *   <li>loss = total nats / predicted tokens; perplexity = exp(loss)
 *   <li>bits per byte = total nats / ln 2 / total UTF-8 bytes of the predicted tokens, the bytes
 *       of a token being the length of its bytes in the shards' vocabulary (jtokkit's r50k
 *       {@code decodeBytes}, or our trained vocabulary's). Bits per byte does not depend on the
 *       tokenizer, so models with different vocabularies compare on it. The end-of-text
 *       token counts 0 bytes: it separates documents and is not text, while its nats
 *       still count (predicting where a document ends is part of modelling the corpus).
 * </ul>
 */
public final class Evaluator {

  /** r50k (GPT-2) vocabulary size and its one special token. */
  public static final int R50K_VOCAB = 50257;
  public static final int R50K_END_OF_TEXT = 50256;

  /**
   * @param tokens      predicted (target) tokens
   * @param bytes       UTF-8 bytes of those tokens
   * @param totalNats   sum of their negative log-likelihoods
   * @param windows     forward windows evaluated
   * @param perShard    the same figures for each shard (empty inside a per-shard result)
   */
  public record Result(long tokens, long bytes, double totalNats, long windows, List<Result> perShard) {

    public Result(long tokens, long bytes, double totalNats, long windows) {
      this(tokens, bytes, totalNats, windows, List.of());
    }

    public double loss() {
      return totalNats / tokens;
    }

    public double perplexity() {
      return Math.exp(loss());
    }

    public double bitsPerByte() {
      return totalNats / Math.log(2) / bytes;
    }

    @Override
    public String toString() {
      return String.format(java.util.Locale.ROOT, "loss %.4f, ppl %.2f, %.4f bits/byte over %d tokens (%d bytes)",
          loss(), perplexity(), bitsPerByte(), tokens, bytes);
    }
  }

  private static volatile int[] r50kBytes;

  private Evaluator() {}

  /** Evaluates r50k-tokenized shards. */
  public static Result evaluate(LlamaModel model, List<Path> shards, int seqLen, int batch) throws IOException {
    return evaluate(model, TokenShards.open(shards), seqLen, batch, r50kTokenBytes(), tokens -> {});
  }

  /**
   * @param tokenBytes UTF-8 byte length of each token id
   * @param progress   called after each forward pass with the tokens predicted so far (heartbeats)
   */
  public static Result evaluate(LlamaModel model, TokenShards data, int seqLen, int batch, int[] tokenBytes,
      LongConsumer progress) {
    if (seqLen < 1 || seqLen > model.config().contextLength() || batch < 1) {
      throw new IllegalArgumentException("need 1 <= seqLen <= " + model.config().contextLength() + " and batch >= 1");
    }
    DjlRuntime.noGradOnThisThread();
    Acc acc = new Acc(model, tokenBytes, progress, data.shardCount());
    long[] in = new long[batch * seqLen];
    long[] out = new long[batch * seqLen];
    int[] shardOf = new int[batch];
    long[] window = new long[seqLen + 1];
    int filled = 0;
    for (int s = 0; s < data.shardCount(); s++) {
      long n = data.tokens(s);
      for (long start = 0; start + 1 < n; start += seqLen) {
        int len = (int) Math.min(seqLen, n - 1 - start);
        data.read(s, start, window, 0, len + 1);
        if (len == seqLen) {
          System.arraycopy(window, 0, in, filled * seqLen, seqLen);
          System.arraycopy(window, 1, out, filled * seqLen, seqLen);
          shardOf[filled] = s;
          if (++filled == batch) {
            acc.add(in, out, batch, seqLen, shardOf);
            filled = 0;
          }
        } else {
          long[] tin = new long[len];
          long[] tout = new long[len];
          System.arraycopy(window, 0, tin, 0, len);
          System.arraycopy(window, 1, tout, 0, len);
          acc.add(tin, tout, 1, len, new int[] {s});
        }
      }
    }
    if (filled > 0) {
      acc.add(java.util.Arrays.copyOf(in, filled * seqLen), java.util.Arrays.copyOf(out, filled * seqLen), filled,
          seqLen, shardOf);
    }
    if (acc.tokens == 0) {
      throw new IllegalArgumentException("validation shards hold no token to predict");
    }
    List<Result> perShard = new java.util.ArrayList<>();
    for (int s = 0; s < data.shardCount(); s++) {
      perShard.add(new Result(acc.shardTokens[s], acc.shardBytes[s], acc.shardNats[s], acc.shardWindows[s]));
    }
    return new Result(acc.tokens, acc.bytes, acc.nats, acc.windows, List.copyOf(perShard));
  }

  /** UTF-8 byte length of every id of a vocabulary we trained; special tokens (end-of-text) count 0. */
  public static int[] tokenBytes(BpeVocabulary vocabulary) {
    int[] table = new int[vocabulary.size()];
    for (int id = 0; id < vocabulary.mergedSize(); id++) {
      table[id] = vocabulary.bytes(id).length;
    }
    return table;
  }

  /** UTF-8 byte length of every r50k token id (end-of-text: 0), computed once. */
  public static int[] r50kTokenBytes() {
    int[] table = r50kBytes;
    if (table == null) {
      Encoding enc = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
      table = new int[R50K_VOCAB];
      IntArrayList one = new IntArrayList(1);
      for (int id = 0; id < R50K_END_OF_TEXT; id++) {
        one.clear();
        one.add(id);
        table[id] = enc.decodeBytes(one).length;
      }
      r50kBytes = table;
    }
    return table;
  }

  private static final class Acc {
    final LlamaModel model;
    final NDManager manager;
    final int[] tokenBytes;
    final LongConsumer progress;
    long tokens;
    long bytes;
    double nats;
    long windows;
    final long[] shardTokens;
    final long[] shardBytes;
    final double[] shardNats;
    final long[] shardWindows;

    Acc(LlamaModel model, int[] tokenBytes, LongConsumer progress, int shards) {
      this.model = model;
      this.manager = model.manager();
      this.tokenBytes = tokenBytes;
      this.progress = progress;
      this.shardTokens = new long[shards];
      this.shardBytes = new long[shards];
      this.shardNats = new double[shards];
      this.shardWindows = new long[shards];
    }

    /** {@code b} windows of {@code t} tokens; window w comes from shard {@code shardOf[w]}. */
    void add(long[] in, long[] out, int b, int t, int[] shardOf) {
      for (int i = 0; i < b * t; i++) {
        if (in[i] >= model.config().vocabSize() || out[i] >= model.config().vocabSize() || out[i] >= tokenBytes.length) {
          throw new IllegalArgumentException("token " + Math.max(in[i], out[i]) + " is outside the vocabulary");
        }
        bytes += tokenBytes[(int) out[i]];
        shardBytes[shardOf[i / t]] += tokenBytes[(int) out[i]];
      }
      double[] windowNats;
      try (NDScope ignored = new NDScope()) {
        var logits = model.forward(manager.create(in, new Shape(b, t)));
        // sum in float64: a batch holds thousands of terms
        windowNats = LlamaModel.tokenNll(logits, manager.create(out, new Shape(b, t)))
            .toType(ai.djl.ndarray.types.DataType.FLOAT64, false).sum(new int[] {1}).toDoubleArray();
      }
      for (int w = 0; w < b; w++) {
        nats += windowNats[w];
        shardNats[shardOf[w]] += windowNats[w];
        shardTokens[shardOf[w]] += t;
        shardWindows[shardOf[w]]++;
      }
      tokens += (long) b * t;
      windows += b;
      progress.accept(tokens);
    }
  }
}
