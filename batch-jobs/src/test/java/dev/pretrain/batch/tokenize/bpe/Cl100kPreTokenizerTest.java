package dev.pretrain.batch.tokenize.bpe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class Cl100kPreTokenizerTest {

  static final Pattern REGEX = Pattern.compile(Cl100kPreTokenizer.PATTERN, Pattern.UNICODE_CHARACTER_CLASS);

  /** The reference: java.util.regex's find() from left to right. */
  static List<String> regexSplit(String text) {
    List<String> out = new ArrayList<>();
    Matcher m = REGEX.matcher(text);
    int last = 0;
    while (m.find()) {
      if (m.start() != last) {
        out.add("<gap:" + text.substring(last, m.start()) + ">");
      }
      out.add(m.group());
      last = m.end();
    }
    if (last != text.length()) {
      out.add("<gap:" + text.substring(last) + ">");
    }
    return out;
  }

  @Test
  void contractions() {
    assertEquals(List.of("I", "'m", " sure", " you", "'re", " right", ",", " it", "'s", " they", "'ll", " we", "'ve",
        " he", "'d"), Cl100kPreTokenizer.split("I'm sure you're right, it's they'll we've he'd"));
    assertEquals(List.of("DON", "'T", " WE", "'LL", " X", "'Re"), Cl100kPreTokenizer.split("DON'T WE'LL X'Re"));
    // no contraction: "'x" keeps the apostrophe with the letters, a typographic apostrophe is not one
    assertEquals(List.of("'x", " rock", "'n", "'roll"), Cl100kPreTokenizer.split("'x rock'n'roll"));
    assertEquals(List.of("it", "’s"), Cl100kPreTokenizer.split("it’s"));
    assertEquals(List.of("'s", "'s"), Cl100kPreTokenizer.split("'s's"));
  }

  @Test
  void digitsInRunsOfThree() {
    assertEquals(List.of("123", "456", "7"), Cl100kPreTokenizer.split("1234567"));
    assertEquals(List.of("x", "123", "4", " ", "56", ".", "789", "0"), Cl100kPreTokenizer.split("x1234 56.7890"));
    // other numerics count too: Arabic-Indic digits, superscripts (No), Roman numeral letters (Nl);
    // a space before a number stays alone
    assertEquals(List.of("٠١٢", "٣", " ", "²³Ⅻ"), Cl100kPreTokenizer.split("٠١٢٣ ²³Ⅻ"));
  }

  @Test
  void whitespaceAndLineBreaks() {
    assertEquals(List.of("a", "\r\n", "b", "\r\n\r\n", "c"), Cl100kPreTokenizer.split("a\r\nb\r\n\r\nc"));
    assertEquals(List.of("a", "  ", " b", "   "), Cl100kPreTokenizer.split("a   b   "));
    assertEquals(List.of("a", " \n", "  ", " b"), Cl100kPreTokenizer.split("a \n   b"));
    // one leading non-letter of any kind (a tab, a comma) joins the letters
    assertEquals(List.of("x", " ", "\ty"), Cl100kPreTokenizer.split("x \ty"));
    assertEquals(List.of("if", " (", "x", "):\n", "   ", " return"), Cl100kPreTokenizer.split("if (x):\n    return"));
    assertEquals(List.of(" "), Cl100kPreTokenizer.split(" "));
    assertEquals(List.of(), Cl100kPreTokenizer.split(""));
  }

  @Test
  void emojiCjkAndCombiningMarks() {
    // emoji (and skin-tone modifiers) are symbols: one run with the punctuation after them
    assertEquals(List.of("Hi", " 👋🏽!"), Cl100kPreTokenizer.split("Hi 👋🏽!"));
    assertEquals(List.of("你好", "，世界"), Cl100kPreTokenizer.split("你好，世界"));
    // a combining mark (Mn) is not a letter: it ends the letter run
    assertEquals(List.of("cafe", "́", " ok"), Cl100kPreTokenizer.split("cafe\u0301 ok"));
  }

  @Test
  void agreesWithRegexOnTrickyCases() {
    String[] cases = {
        "I'm sure you're right, it's they'll we've he'd", "DON'T WE'LL", "'ſ 'ſt", "1234567 12 1 ²³⁴⁵", "a\r\nb\r\n\r\nc",
        "a   b   ", "\n\n\n", " \t \n \t x", "Hi 👋🏽! 👨‍👩‍👧", "你好，世界。日本語のテキスト", "cafe\u0301 naïve",
        "x\u00a0y\u2003z\u3000w", "  ...  !!!\n\n", "\uD83D", "a\uDC00b \uD800 ", "$$$ $1,000.00 (approx.)", "--flag=value",
        "mixed\u2028lines\u0085next", "\r", "tail \n", "'", "''ll", " 'll", "\u000b\f", "https://example.com/a?b=c&d=e",
    };
    for (String c : cases) {
      assertEquals(regexSplit(c), Cl100kPreTokenizer.split(c), () -> "case: " + c);
    }
  }

  @Test
  void agreesWithRegexOnRandomText() {
    int[] alphabet = {'a', 'B', 'z', 's', 't', 'l', 'v', 'e', 'r', 'S', 'L', '\'', ' ', ' ', ' ', '\t', '\r', '\n',
        '0', '7', '.', ',', '!', '-', '(', 0xa0, 0x2003, 0x3000, 0x85, 'é', 0x301, '中', 0x1F600, 0x1F3FD, '²', 'Ⅻ',
        0x17f, 0xD800, 0xDC00, '_', '"'};
    Random random = new Random(22);
    for (int round = 0; round < 20_000; round++) {
      StringBuilder sb = new StringBuilder();
      int len = random.nextInt(24);
      for (int i = 0; i < len; i++) {
        sb.appendCodePoint(alphabet[random.nextInt(alphabet.length)]);
      }
      String text = sb.toString();
      assertEquals(regexSplit(text), Cl100kPreTokenizer.split(text), () -> "text: " + escape(text));
    }
  }

  static String escape(String s) {
    StringBuilder sb = new StringBuilder();
    s.chars().forEach(c -> sb.append(c < 0x7f && c >= 0x20 ? String.valueOf((char) c) : String.format("\\u%04x", c)));
    return sb.toString();
  }
}
