package dev.pretrain.batch.curate.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** C4 line rules (incl. the terminal-punctuation rule prose leaves off) and FineWeb's rules. */
class C4AndFineWebTest {

  private static final FineWebQualityFilter FINEWEB = new FineWebQualityFilter(0.12, 0.67, 30, 0.01, 0.3);
  private static final String LONG_SENTENCE = "This line is comfortably longer than thirty characters.";

  private static RuleVerdict fineweb(String text) {
    RuleVerdict[] first = new RuleVerdict[1];
    FINEWEB.check(text, new WordSplitter(QualityFilters.STOP_WORDS, false).split(text).count, v -> {
      first[0] = v;
      return false;
    });
    return first[0];
  }

  @Test
  void terminalPunctuationRuleWhenSwitchedOn() {
    C4LineFilter c4 = new C4LineFilter(1000, true, true, 3, true, true, true, true, 0, false);
    String text = "A line that ends well.\nA line that does not\nA trailing ellipsis here...\nQuoted words here\"";
    C4LineFilter.Result result = c4.apply(text, v -> false);
    assertEquals("A line that ends well.\nQuoted words here\"", result.text());
    assertEquals(List.of(new QualityFilters.LineRemoval("c4.no_terminal_punct", 2, 47)), result.removals());
  }

  @Test
  void wordCountOfALineIsTakenBeforeCitationsGo() {
    C4LineFilter c4 = new C4LineFilter(1000, true, false, 3, true, true, true, true, 0, false);
    C4LineFilter.Result result = c4.apply("Two words[1] [edit]", v -> false);
    assertEquals("Two words ", result.text());
  }

  @Test
  void curlyBracketOnlyCountsInLinesThatSurvive() {
    C4LineFilter c4 = new C4LineFilter(1000, true, false, 3, true, true, true, true, 0, false);
    assertFalse(c4.apply("if {\n}\nThe body is kept here.", v -> false).rejected());
    assertTrue(c4.apply("if (x) { return; }", v -> false).rejected());
  }

  @Test
  void sentencesFollowTerminalsBetweenTokens() {
    assertEquals(2, SentenceTerminals.count("Hello there. How are you?", 0, 25));
    assertEquals(1, SentenceTerminals.count("Pi is 3.14 and e.g. this... goes on.", 0, 36));
    assertEquals(3, SentenceTerminals.count("Stop! Wait!! Go.", 0, 16));
    assertEquals(0, SentenceTerminals.count("...", 0, 3));
  }

  @Test
  void linePunctuationRatio() {
    // 12 of 100 lines end in a terminal: 0.12 passes, 11 fails
    List<String> lines = new ArrayList<>(Collections.nCopies(100, "a line of words without a stop at its end"));
    for (int i = 0; i < 12; i++) {
      lines.set(i, LONG_SENTENCE);
    }
    // keep lines distinct so char duplicates do not fail first
    for (int i = 0; i < 100; i++) {
      lines.set(i, "n" + i + " " + lines.get(i));
    }
    assertNull(fineweb(String.join("\n", lines)));
    lines.set(0, lines.get(0).replace('.', ','));
    assertEquals(new RuleVerdict("fineweb.line_punct_ratio", 0.11, ">= 0.12"), fineweb(String.join("\n", lines)));
  }

  @Test
  void lineEndsAreRawNotTrimmed() {
    String text = "n1 " + LONG_SENTENCE + " \nn2 " + LONG_SENTENCE + " ";
    assertEquals("fineweb.line_punct_ratio", fineweb(text).rule());
  }

  @Test
  void shortLineRatio() {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      lines.add(i < 67 ? "short line " + i + "." : "n" + i + " " + LONG_SENTENCE);
    }
    assertNull(fineweb(String.join("\n", lines)));
    lines.set(99, "short line 99.");
    assertEquals(new RuleVerdict("fineweb.short_line_ratio", 0.68, "<= 0.67"), fineweb(String.join("\n", lines)));
  }

  @Test
  void charDuplicateRatioIgnoresBlankLinesAndLineFeeds() {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      text.append("n").append(i).append(' ').append(LONG_SENTENCE).append("\n\n  \n");
    }
    String base = text.toString();
    assertNull(fineweb(base));
    String dup = base + "n0 " + LONG_SENTENCE;
    RuleVerdict v = fineweb(dup);
    assertEquals("fineweb.char_dup_ratio", v.rule());
    int lineLength = ("n0 " + LONG_SENTENCE).length();
    long lineFeeds = dup.chars().filter(c -> c == '\n').count();
    assertEquals((double) lineLength / (dup.length() - lineFeeds), v.measured(), 1e-12);
  }

  @Test
  void newlineToWordRatio() {
    // one word and one full stop per line: LFs / tokens is just under 0.5
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      text.append("Word").append(i).append(".\n");
    }
    RuleVerdict v = new FineWebQualityFilter(0.12, 1.0, 30, 0.01, 0.3).check(text.toString(), 80, r -> false)
        ? null : new RuleVerdict("x", 0, "");
    assertEquals("x", v.rule());
    assertTrue(new FineWebQualityFilter(0.12, 1.0, 30, 0.01, 0.5).check(text.toString(), 80, r -> false));
  }

  @Test
  void blankTextHasNoLines() {
    assertEquals("fineweb.empty", fineweb(" \n \n").rule());
  }
}
