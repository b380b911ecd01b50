package dev.pretrain.batch.curate.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Gopher repetition: duplicate lines and paragraphs, top and repeated n-grams. */
class GopherRepetitionFilterTest {

  private static final double OFF = Double.NaN;
  private static final GopherRepetitionFilter PROSE = new GopherRepetitionFilter(0.3, 0.2, 0.3, 0.2,
      new double[] {OFF, OFF, 0.20, 0.18, 0.16}, new double[] {OFF, OFF, OFF, OFF, OFF, 0.15, 0.14, 0.13, 0.12, 0.11, 0.10});
  private static final WordSplitter SPLITTER = new WordSplitter(QualityFilters.STOP_WORDS, false);

  private static RuleVerdict firstFailure(String text) {
    RuleVerdict[] first = new RuleVerdict[1];
    PROSE.check(text, SPLITTER.split(text), v -> {
      first[0] = v;
      return false;
    });
    return first[0];
  }

  /** A line of eight words no other line shares. */
  private static String uniqueLine(int i) {
    StringBuilder b = new StringBuilder();
    for (int w = 0; w < 8; w++) {
      b.append(w == 0 ? "" : " ").append((char) ('a' + w)).append("word").append(i);
    }
    return b.toString();
  }

  @Test
  void duplicateLineFraction() {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      lines.add(uniqueLine(i));
    }
    for (int i = 0; i < 4; i++) {
      lines.add("short"); // one original, three copies: 3 / 11
    }
    assertNull(firstFailure(String.join("\n", lines)));
    lines.add("short");
    assertEquals(new RuleVerdict("gopher_repetition.dup_line_frac", 4 / 12.0, "<= 0.3"),
        firstFailure(String.join("\n", lines)));
  }

  @Test
  void duplicateLineCharacters() {
    String repeated = uniqueLine(9);
    String text = uniqueLine(1) + "\n" + repeated + "\n\n" + uniqueLine(2) + "\n" + repeated;
    RuleVerdict v = firstFailure(text);
    assertEquals("gopher_repetition.dup_line_char_frac", v.rule());
    assertEquals((double) repeated.length() / text.length(), v.measured(), 1e-12);
  }

  @Test
  void duplicateParagraphs() {
    String a = uniqueLine(1) + "\n" + uniqueLine(2);
    String text = String.join("\n\n\n", a, uniqueLine(3), a);
    RuleVerdict v = firstFailure(text);
    assertEquals("gopher_repetition.dup_para_frac", v.rule());
    assertEquals(1 / 3.0, v.measured(), 1e-12);
  }

  @Test
  void topBigramIsCountTimesItsSpacedLength() {
    // "xy zw" four times among 56 distinct words
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      text.append(uniqueLine(i)).append(i % 2 == 0 ? " xy zw\n" : "\n");
    }
    Words words = SPLITTER.split(text.toString());
    GopherRepetitionFilter.NgramHashes ngrams = new GopherRepetitionFilter.NgramHashes(words);
    assertEquals(4 * 5, ngrams.topNgramChars(2, new LongCounter(16)));
  }

  @Test
  void topNgramTieGoesToTheFirstToOccur() {
    Words words = SPLITTER.split("aaaa bbbb c d aaaa bbbb c d");
    GopherRepetitionFilter.NgramHashes ngrams = new GopherRepetitionFilter.NgramHashes(words);
    assertEquals(2 * "aaaa bbbb".length(), ngrams.topNgramChars(2, new LongCounter(4)));
  }

  @Test
  void repeatedNgramsSkipPastEachRepeat() {
    // tokens: a b c d e a b c d e a b c d e -> the second and third copies repeat: 2 x 5 chars
    Words words = SPLITTER.split("a b c d e a b c d e a b c d e");
    GopherRepetitionFilter.NgramHashes ngrams = new GopherRepetitionFilter.NgramHashes(words);
    assertEquals(10, ngrams.repeatedNgramChars(5, new LongSet(16)));
    // the 10-gram at token 5 repeats the one at token 0
    assertEquals(10, ngrams.repeatedNgramChars(10, new LongSet(16)));
  }

  @Test
  void repeatedFiveGramFraction() {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 6; i++) {
      text.append(uniqueLine(i)).append('\n');
    }
    String phrase = "seven eight nine ten eleven";
    String base = text.toString();
    String once = base + phrase + " x1 " + phrase;
    // top n-grams off: the frequent phrase would fail them first
    GopherRepetitionFilter dupOnly = new GopherRepetitionFilter(0.3, 0.2, 0.3, 0.2, new double[] {OFF, OFF, OFF, OFF, OFF},
        new double[] {OFF, OFF, OFF, OFF, OFF, 0.15, 0.14, 0.13, 0.12, 0.11, 0.10});
    RuleVerdict[] first = new RuleVerdict[1];
    VerdictSink sink = r -> {
      first[0] = r;
      return false;
    };
    dupOnly.check(once, SPLITTER.split(once), sink);
    assertNull(first[0], String.valueOf(first[0]));
    String thrice = once + " x2 " + phrase + " x3 " + phrase + " x4 " + phrase;
    dupOnly.check(thrice, SPLITTER.split(thrice), sink);
    RuleVerdict v = first[0];
    assertEquals("gopher_repetition.dup_5_gram_char_frac", v.rule());
    assertEquals(4.0 * phrase.replace(" ", "").length() / thrice.length(), v.measured(), 1e-12);
  }
}
