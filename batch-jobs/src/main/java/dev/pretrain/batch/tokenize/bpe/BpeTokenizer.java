package dev.pretrain.batch.tokenize.bpe;

import dev.pretrain.batch.tokenize.fast.FastBpeEncoder;
import dev.pretrain.batch.tokenize.fast.MergeableRanks;
import dev.pretrain.batch.tokenize.fast.PreTokenizer;
import dev.pretrain.batch.tokenize.fast.TokenBuffer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Encodes text with a {@link BpeVocabulary} and decodes ids back to bytes.
 *
 * <p>Encoding is {@link FastBpeEncoder} over the vocabulary's {@link BpeVocabulary#mergeableRanks()}:
 * {@link Cl100kPreTokenizer}'s split; a piece that is itself a token becomes that token (what
 * tokenizer.json's {@code ignore_merges} and llama.cpp's {@code llama-bpe} do); otherwise its UTF-8
 * bytes are merged, one occurrence at a time, the adjacent pair with the lowest merge rank first,
 * leftmost among equals, and only pairs that are merges of the vocabulary. Pieces are cached.
 *
 * <p>Not thread-safe (the encoder's cache); use one instance per thread.
 */
public final class BpeTokenizer {

  private final BpeVocabulary vocabulary;
  private final FastBpeEncoder encoder;

  public BpeTokenizer(BpeVocabulary vocabulary) {
    this(vocabulary, vocabulary.mergeableRanks());
  }

  /** @param ranks {@code vocabulary.mergeableRanks()}, built once and shared by tokenizers of several threads */
  public BpeTokenizer(BpeVocabulary vocabulary, MergeableRanks ranks) {
    this.vocabulary = vocabulary;
    this.encoder = new FastBpeEncoder(ranks, PreTokenizer.CL100K);
  }

  public BpeVocabulary vocabulary() {
    return vocabulary;
  }

  /** The ids of {@code text}; special-token strings in it are encoded as ordinary text. */
  public int[] encodeOrdinary(String text) {
    return encoder.encodeOrdinary(text);
  }

  /** Appends the ids of {@code text} (special-token strings as ordinary text) to {@code out}. */
  public int encodeOrdinary(CharSequence text, TokenBuffer out) {
    return encoder.encodeOrdinary(text, out);
  }

  /** The ids of {@code text}, where each occurrence of a special token's string becomes that token's id. */
  public int[] encode(String text) {
    List<String> specials = vocabulary.specialTokens();
    if (specials.isEmpty()) {
      return encodeOrdinary(text);
    }
    TokenBuffer out = new TokenBuffer();
    int from = 0;
    while (from <= text.length()) {
      int best = -1;
      String bestToken = null;
      for (String sp : specials) {
        int at = text.indexOf(sp, from);
        if (at >= 0 && (best < 0 || at < best || (at == best && sp.length() > bestToken.length()))) {
          best = at;
          bestToken = sp;
        }
      }
      int end = best < 0 ? text.length() : best;
      encoder.encodeOrdinary(text.substring(from, end), out);
      if (best < 0) {
        break;
      }
      out.add(vocabulary.specialTokenId(bestToken));
      from = best + bestToken.length();
    }
    return out.toArray();
  }

  /** The bytes of {@code ids} (a special token gives its string's UTF-8 bytes). */
  public byte[] decodeBytes(int[] ids) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
    int merged = vocabulary.mergedSize();
    for (int id : ids) {
      if (id < 0 || id >= vocabulary.size()) {
        throw new IllegalArgumentException("id out of range: " + id);
      }
      if (id < merged) {
        out.writeBytes(vocabulary.bytesUnsafe(id));
      } else {
        out.writeBytes(vocabulary.specialTokens().get(id - merged).getBytes(StandardCharsets.UTF_8));
      }
    }
    return out.toByteArray();
  }

  /** The text of {@code ids}; a cut through a UTF-8 sequence becomes U+FFFD. */
  public String decode(int[] ids) {
    return new String(decodeBytes(ids), StandardCharsets.UTF_8);
  }
}
