package dev.pretrain.batch.tokenize.bpe;

import java.util.ArrayList;
import java.util.List;

/**
 * The cl100k pre-tokenizer (GPT-4's {@code cl100k_base}): splits text into the pieces that byte-level BPE
 * then merges within, exactly as the regular expression {@link #PATTERN} would with {@code find()} from
 * left to right, but as a hand-written scanner over code points (no {@code java.util.regex} here).
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
  public static final String PATTERN =
      "'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*"
          + "|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+";

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
    int n = text.length();
    int i = 0;
    while (i < n) {
      int end = match(text, i, n);
      consumer.accept(i, end);
      i = end;
    }
  }

  /** The end of the piece that starts at {@code i}. */
  static int match(CharSequence t, int i, int n) {
    int c = cp(t, i, n);
    int next = i + Character.charCount(c);
    // 1. contractions
    if (c == '\'' && next < n) {
      int c1 = t.charAt(next);
      if (isSdmt(c1)) {
        return next + 1;
      }
      if (next + 1 < n) {
        int c2 = t.charAt(next + 1);
        if ((eq(c1, 'l') && eq(c2, 'l')) || (eq(c1, 'v') && eq(c2, 'e')) || (eq(c1, 'r') && eq(c2, 'e'))) {
          return next + 2;
        }
      }
    }
    // 2. optional prefix, then letters
    if (isLetter(c)) {
      return letters(t, next, n);
    }
    if (c != '\r' && c != '\n' && !isNumber(c) && next < n) {
      int c1 = cp(t, next, n);
      if (isLetter(c1)) {
        return letters(t, next + Character.charCount(c1), n);
      }
    }
    // 3. up to three numbers
    if (isNumber(c)) {
      int end = next;
      for (int k = 1; k < 3 && end < n; k++) {
        int d = cp(t, end, n);
        if (!isNumber(d)) {
          break;
        }
        end += Character.charCount(d);
      }
      return end;
    }
    // 4. optional space, symbols, line breaks
    int symStart = -1;
    if (isSymbol(c)) {
      symStart = i;
    } else if (c == ' ' && next < n && isSymbol(cp(t, next, n))) {
      symStart = next;
    }
    if (symStart >= 0) {
      int end = symStart;
      while (end < n) {
        int d = cp(t, end, n);
        if (!isSymbol(d)) {
          break;
        }
        end += Character.charCount(d);
      }
      while (end < n && (t.charAt(end) == '\r' || t.charAt(end) == '\n')) {
        end++;
      }
      return end;
    }
    // 5.-7. white space (c is white space here: not a letter, number or symbol)
    int runEnd = next;
    int lastBreak = (c == '\r' || c == '\n') ? next : -1;
    while (runEnd < n) {
      int d = cp(t, runEnd, n);
      if (!isSpace(d)) {
        break;
      }
      runEnd += Character.charCount(d);
      if (d == '\r' || d == '\n') {
        lastBreak = runEnd;
      }
    }
    if (lastBreak >= 0) {
      return lastBreak; // \s*[\r\n]
    }
    if (runEnd == n) {
      return runEnd; // \s+(?!\S) at the end of the text
    }
    int back = runEnd - Character.charCount(Character.codePointBefore(t, runEnd));
    return back > i ? back : runEnd; // \s+(?!\S), else \s+
  }

  private static int letters(CharSequence t, int from, int n) {
    int end = from;
    while (end < n) {
      int d = cp(t, end, n);
      if (!isLetter(d)) {
        break;
      }
      end += Character.charCount(d);
    }
    return end;
  }

  private static int cp(CharSequence t, int i, int n) {
    char hi = t.charAt(i);
    if (Character.isHighSurrogate(hi) && i + 1 < n) {
      char lo = t.charAt(i + 1);
      if (Character.isLowSurrogate(lo)) {
        return Character.toCodePoint(hi, lo);
      }
    }
    return hi;
  }

  private static boolean isSdmt(int c) {
    return eq(c, 's') || eq(c, 'd') || eq(c, 'm') || eq(c, 't') || c == '\u017f'; // long s folds to s
  }

  /** ASCII case-insensitive equality with lower-case {@code lower}. */
  private static boolean eq(int c, char lower) {
    return c == lower || c == lower - 32;
  }

  static boolean isLetter(int c) {
    if (c < 0x80) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
    return Character.isLetter(c);
  }

  static boolean isNumber(int c) {
    if (c < 0x80) {
      return c >= '0' && c <= '9';
    }
    int type = Character.getType(c);
    return type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER || type == Character.OTHER_NUMBER;
  }

  /** Unicode White_Space, as {@code \s} with UNICODE_CHARACTER_CLASS. */
  static boolean isSpace(int c) {
    if (c <= 0x20) {
      return c == ' ' || (c >= 0x09 && c <= 0x0d);
    }
    if (c < 0x85) {
      return false;
    }
    return c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029
        || c == 0x202f || c == 0x205f || c == 0x3000;
  }

  /** {@code [^\s\p{L}\p{N}]}. */
  static boolean isSymbol(int c) {
    return !isSpace(c) && !isLetter(c) && !isNumber(c);
  }
}
