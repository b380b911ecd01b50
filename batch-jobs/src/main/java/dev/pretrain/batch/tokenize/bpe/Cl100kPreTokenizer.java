package dev.pretrain.batch.tokenize.bpe;

import dev.pretrain.batch.tokenize.fast.PreTokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * The cl100k pre-tokenizer (GPT-4's {@code cl100k_base}): splits text into the pieces that byte-level BPE
 * then merges within, exactly as the regular expression {@link #PATTERN} would with {@code find()} from
 * left to right, but with the hand-written scanner the fast encoder uses ({@link PreTokenizer#CL100K}; no
 * {@code java.util.regex} here).
 *
 * <p>In llama.cpp's GGUF metadata ({@code tokenizer.ggml.pre}) this split is pre-tokenizer type
 * {@code "llama-bpe"} (also spelled {@code "llama3"} / {@code "llama-v3"}; {@code LLAMA_VOCAB_PRE_TYPE_LLAMA3}
 * in {@code llama-vocab.cpp}): Llama 3's expression writes the contractions as {@code (?i:'s|'t|...)},
 * drops the possessive quantifiers and ends the line-break alternative with {@code [\r\n]+}, none of
 * which changes the pieces (llama.cpp's own adaptation folds the contractions' case in ASCII only, so
 * {@code 'ſ} would differ there). {@code "gpt-4o"} is a different type (o200k's expression), not this one.
 *
 * <p>Character classes follow {@link java.util.regex.Pattern#UNICODE_CHARACTER_CLASS}, which is what
 * tiktoken's and Hugging Face's regex engines do: {@code \s} is the Unicode White_Space property,
 * {@code \p{L}} and {@code \p{N}} the general categories (as the running JVM's Unicode tables have them),
 * {@code (?i:...)} folds case by Unicode rules (so {@code 'ſ} is a contraction like {@code 's}). A lone
 * surrogate counts as a code point of its own that is neither letter, number nor space.
 *
 * <p>The alternatives, tried in order at each position (the first that matches wins):
 * <ol>
 *   <li>{@code '(?i:[sdmt]|ll|ve|re)}: English contractions after an ASCII apostrophe;
 *   <li>{@code [^\r\n\p{L}\p{N}]?+\p{L}+}: a letter run, with at most one leading non-letter,
 *       non-number, non-line-break code point (a space, a quote, ...);
 *   <li>{@code \p{N}{1,3}}: up to three numeric code points;
 *   <li>{@code  ?[^\s\p{L}\p{N}]++[\r\n]*}: a run of other symbols, with one optional leading space and
 *       the line breaks that follow;
 *   <li>{@code \s*[\r\n]}: white space up to and including its last line break;
 *   <li>{@code \s+(?!\S)}: white space not followed by a non-space (so the last space of a run before a
 *       word is left to that word);
 *   <li>{@code \s+}: what white space remains.
 * </ol>
 * Every code point is a letter, a number, white space or something else, so one of the alternatives
 * always matches and the pieces cover the text without gaps.
 */
public final class Cl100kPreTokenizer {

  /** The cl100k expression, for {@code java.util.regex} with {@code UNICODE_CHARACTER_CLASS} and for tokenizer.json. */
  public static final String PATTERN = PreTokenizer.CL100K.regex();

  /** Receives one piece: {@code text.substring(start, end)}, char indices. */
  @FunctionalInterface
  public interface PieceConsumer {
    void accept(int start, int end);
  }

  private Cl100kPreTokenizer() {}

  /** The pieces of {@code text}, in order; their concatenation is {@code text}. */
  public static List<String> split(String text) {
    List<String> out = new ArrayList<>();
    split(text, (s, e) -> out.add(text.substring(s, e)));
    return out;
  }

  /** Calls {@code consumer} for each piece of {@code text}, in order. */
  public static void split(CharSequence text, PieceConsumer consumer) {
    char[] chars = text.toString().toCharArray();
    int i = 0;
    while (i < chars.length) {
      int end = PreTokenizer.CL100K.next(chars, i, chars.length);
      consumer.accept(i, end);
      i = end;
    }
  }
}
