package dev.pretrain.batch.tokenize.fast;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Splits text into pre-tokens the way the tiktoken patterns of r50k_base (GPT-2) and cl100k_base do,
 * with a hand-written scanner over UTF-16 chars (code points where surrogate pairs occur) instead of
 * {@link java.util.regex}. Character classes follow {@link Pattern#UNICODE_CHARACTER_CLASS}: {@code \p{L}}
 * and {@code \p{N}} are the Unicode general categories, {@code \s} is the White_Space property.
 *
 * <p>The hot method is {@link #next(char[], int, int)}: given a start, the end of the pre-token that
 * starts there. It allocates nothing. {@link #regex()} is the equivalent pattern (for tests).
 */
public enum PreTokenizer {

  /** GPT-2 / r50k_base: {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+}. */
  R50K("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+") {
    @Override
    public int next(char[] s, int i, int end) {
      return CharClass.nextR50k(s, i, end);
    }
  },

  /**
   * cl100k_base: {@code '(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+}.
   */
  CL100K("'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+") {
    @Override
    public int next(char[] s, int i, int end) {
      return CharClass.nextCl100k(s, i, end);
    }
  };

  private final String regex;

  PreTokenizer(String regex) {
    this.regex = regex;
  }

  /**
   * The end (exclusive) of the pre-token that starts at {@code start}, looking no further than {@code end};
   * requires {@code start < end}. Always returns a value greater than {@code start}.
   */
  public abstract int next(char[] s, int start, int end);

  /** The tiktoken pattern this scanner implements, compiled as {@code Pattern.compile(regex(), UNICODE_CHARACTER_CLASS)}. */
  public String regex() {
    return regex;
  }

  /** The equivalent {@link java.util.regex} pattern (for comparisons, not for the hot path). */
  public Pattern pattern() {
    return Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
  }

  /** The pre-tokens of {@code text}, in order; they concatenate back to {@code text}. */
  public List<String> split(CharSequence text) {
    char[] s = text.toString().toCharArray();
    List<String> out = new ArrayList<>();
    int i = 0;
    while (i < s.length) {
      int j = next(s, i, s.length);
      out.add(new String(s, i, j - i));
      i = j;
    }
    return out;
  }
}
