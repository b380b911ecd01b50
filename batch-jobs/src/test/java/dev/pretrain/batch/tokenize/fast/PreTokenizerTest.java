package dev.pretrain.batch.tokenize.fast;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class PreTokenizerTest {

  /** The pre-tokens java.util.regex finds with the same pattern (UNICODE_CHARACTER_CLASS, as jtokkit compiles). */
  static List<String> regexSplit(Pattern p, String text) {
    List<String> out = new ArrayList<>();
    Matcher m = p.matcher(text);
    int last = 0;
    while (m.find()) {
      if (m.start() != last) {
        out.add("<GAP " + text.substring(last, m.start()) + ">");
      }
      out.add(m.group());
      last = m.end();
    }
    if (last != text.length()) {
      out.add("<GAP " + text.substring(last) + ">");
    }
    return out;
  }

  static final String[] TRICKY = {
    "", "a", " ", "  ", "\n", "\r\n", " \n ", "hello world", "Hello  world", "  leading", "trailing  ",
    "I'm he's we'll they've you're she'd it'S I'LL WE'VE 'Re 'ſ 'x '", "don't", "'''", "'s's", "a'sb",
    "123456789", "1 2 34 5678 x1y22", "  123", "abc123def", "٣٤٥ ① Ⅻ ²³", "3.14159", "1,000,000",
    "tab\there", "\t\tx", " \tx", "x \t\n y", "a\n\n\nb", "a \n \n b", "a  \n", "   \r\n\r\n   ",
    "!!!", " !!!", "  !!!", "!!!\n\n", " ?!\r\n\n", "(foo) [bar] {baz}", "a.b,c;d:e", "—dash—", "x--y",
    "emoji 😀😀 ok", "😀abc", "a😀b", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 letters", "\uD83D", "a\uDE00b", "x \uD83D y",
    "ünïcödé straße ÉCOLE", "日本語のテキスト", "中文 文本", "עברית", "العربية ١٢٣", "Ελληνικά", "русский текст",
    "\u00A0nbsp\u00A0", "a\u2003b\u3000c", "\u0085x\u2028y\u2029", "\u000Bvt\u000Cff", "\u001Cfs\u001F",
    "combining é e\u0301 ñ", "zero\u200Bwidth", "bom\uFEFFx", "<|endoftext|>", "    def f(x):\n        return x\n",
    "$ ls -la | grep foo > /dev/null 2>&1\n", "https://example.com/a?b=c&d=e#f", "#include <stdio.h>\n",
    "x\r", "\r", "\r\r\n", " \r", "  a", "\t", "\n a", "a\n", "' s", "'\n", " '", "''s",
  };

  @Test
  void trickyCasesSplitLikeTheRegex() {
    for (PreTokenizer pt : PreTokenizer.values()) {
      Pattern p = pt.pattern();
      for (String t : TRICKY) {
        assertEquals(regexSplit(p, t), pt.split(t), pt + " on " + escape(t));
      }
    }
  }

  @Test
  void knownSplits() {
    assertEquals(List.of("Hello", ",", " world", "'s", " 123", "!!"), PreTokenizer.R50K.split("Hello, world's 123!!"));
    assertEquals(List.of("Hello", ",", " world", "'s", " ", "123", "!!"), PreTokenizer.CL100K.split("Hello, world's 123!!"));
    assertEquals(List.of("123", "456", "7"), PreTokenizer.CL100K.split("1234567"));
    assertEquals(List.of("1234567"), PreTokenizer.R50K.split("1234567"));
    assertEquals(List.of("a", "  ", " b"), PreTokenizer.R50K.split("a   b"));
    assertEquals(List.of("x", " \n\n", "  ", " y"), PreTokenizer.CL100K.split("x \n\n   y"));
    assertEquals(List.of("'S"), PreTokenizer.CL100K.split("'S"));
    assertEquals(List.of("'", "S"), PreTokenizer.R50K.split("'S"));
  }

  /** Random strings over an alphabet of the characters the patterns treat differently. */
  @Test
  void randomStringsSplitLikeTheRegex() {
    String[] alphabet = {"a", "Z", "s", "t", "l", "L", "e", "r", "v", "d", "m", "é", "ſ", "日", "'", " ", " ", "\t", "\n",
        "\r", "\u00A0", "\u3000", "\u0085", "1", "٣", "²", "!", ".", "-", "😀", "𝔘", "\uD83D", "\uDE00", "\u0301", "_"};
    Random rnd = new Random(22);
    for (PreTokenizer pt : PreTokenizer.values()) {
      Pattern p = pt.pattern();
      for (int n = 0; n < 20_000; n++) {
        StringBuilder sb = new StringBuilder();
        int len = rnd.nextInt(12);
        for (int i = 0; i < len; i++) {
          sb.append(alphabet[rnd.nextInt(alphabet.length)]);
        }
        String t = sb.toString();
        assertEquals(regexSplit(p, t), pt.split(t), pt + " on " + escape(t));
      }
    }
  }

  /** The class table agrees with the regex classes on every code point. */
  @Test
  void characterClassesMatchTheRegexOnEveryCodePoint() {
    Pattern letter = Pattern.compile("\\p{L}", Pattern.UNICODE_CHARACTER_CLASS);
    Pattern number = Pattern.compile("\\p{N}", Pattern.UNICODE_CHARACTER_CLASS);
    Pattern space = Pattern.compile("\\s", Pattern.UNICODE_CHARACTER_CLASS);
    for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
      String s = new String(Character.toChars(cp));
      int expected = letter.matcher(s).matches() ? CharClass.LETTER
          : number.matcher(s).matches() ? CharClass.NUMBER
          : space.matcher(s).matches() ? CharClass.SPACE : CharClass.OTHER;
      assertEquals(expected, CharClass.classOf(cp) & ~CharClass.NEWLINE, "U+" + Integer.toHexString(cp));
    }
  }

  static String escape(String t) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : t.toCharArray()) {
      sb.append(c >= 0x20 && c < 0x7F ? String.valueOf(c) : String.format("\\u%04X", (int) c));
    }
    return sb.append('"').toString();
  }
}
