package dev.pretrain.batch.curate.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each Gopher quality rule just inside and just outside its prose threshold. */
class GopherQualityFilterTest {

  private static final GopherQualityFilter PROSE =
      new GopherQualityFilter(50, 100_000, 3, 10, 0.1, 0.1, 0.9, 0.3, 0.8, 2);
  private static final WordSplitter SPLITTER = new WordSplitter(QualityFilters.STOP_WORDS, false);

  static RuleVerdict firstFailure(GopherQualityFilter filter, String text) {
    RuleVerdict[] first = new RuleVerdict[1];
    filter.check(text, SPLITTER.split(text), v -> {
      first[0] = v;
      return false;
    });
    return first[0];
  }

  /** "the and" then n - 2 copies of word. */
  private static String words(int n, String word) {
    return "the and " + String.join(" ", Collections.nCopies(n - 2, word));
  }

  @Test
  void wordCount() {
    assertNull(firstFailure(PROSE, words(50, "house")));
    assertEquals(new RuleVerdict("gopher_quality.word_count", 49, ">= 50"), firstFailure(PROSE, words(49, "house")));
    assertEquals(new RuleVerdict("gopher_quality.word_count", 100_001, "<= 100000"),
        firstFailure(PROSE, words(100_001, "house")));
  }

  @Test
  void symbolTokensAreNotWords() {
    // 49 words and many commas: still too short
    String text = words(49, "house,");
    assertEquals(49, firstFailure(PROSE, text).measured());
  }

  @Test
  void meanWordLength() {
    // the, and (3 each), 24 x "ab", 24 x "abcd": 150 / 50 = 3.0
    List<String> w = new ArrayList<>(List.of("the", "and"));
    w.addAll(Collections.nCopies(24, "ab"));
    w.addAll(Collections.nCopies(24, "abcd"));
    assertNull(firstFailure(PROSE, String.join(" ", w)));
    w.set(49, "abc");
    assertEquals(new RuleVerdict("gopher_quality.mean_word_length", 149 / 50.0, ">= 3"),
        firstFailure(PROSE, String.join(" ", w)));
    assertEquals(new RuleVerdict("gopher_quality.mean_word_length", (6 + 48 * 11) / 50.0, "<= 10"),
        firstFailure(PROSE, words(50, "abcdefghijk")));
  }

  @Test
  void hashRatioDividesByAllTokens() {
    // 54 words + 6 '#' tokens: 6 / 60 = 0.1
    assertNull(firstFailure(PROSE, words(54, "house") + " # # # # # #"));
    assertEquals(new RuleVerdict("gopher_quality.hash_ratio", 7 / 61.0, "<= 0.1"),
        firstFailure(PROSE, words(54, "house") + " # # # # # # #"));
  }

  @Test
  void ellipsisRatioCountsThreeDotsAndTheEllipsisCharacter() {
    assertNull(firstFailure(PROSE, words(54, "house") + " ... ... ... \u2026 \u2026 \u2026 end"));
    RuleVerdict v = firstFailure(PROSE, words(54, "house") + " ... ... ... ... \u2026 \u2026 \u2026 end");
    assertEquals("gopher_quality.ellipsis_ratio", v.rule());
    assertEquals(7 / 62.0, v.measured(), 1e-12);
  }

  @Test
  void bulletLines() {
    String line = "the and house house house house";
    List<String> lines = new ArrayList<>(Collections.nCopies(10, "- " + line));
    lines.set(0, line);
    assertNull(firstFailure(PROSE, String.join("\n", lines)));
    lines.set(0, "  \u2022 " + line);
    assertEquals(new RuleVerdict("gopher_quality.bullet_lines_ratio", 1.0, "<= 0.9"),
        firstFailure(PROSE, String.join("\n", lines)));
  }

  @Test
  void ellipsisLines() {
    String line = "the and house house house house house";
    List<String> lines = new ArrayList<>(Collections.nCopies(10, line));
    for (int i = 0; i < 3; i++) {
      lines.set(i, line + "...  ");
    }
    assertNull(firstFailure(PROSE, String.join("\n", lines)));
    lines.set(3, line + "\u2026");
    assertEquals(new RuleVerdict("gopher_quality.ellipsis_lines_ratio", 0.4, "<= 0.3"),
        firstFailure(PROSE, String.join("\n", lines)));
  }

  @Test
  void alphaWordsRatio() {
    // 80 words with letters, 20 numbers: 0.8
    String base = words(80, "house");
    assertNull(firstFailure(PROSE, base + " 1234".repeat(20)));
    assertEquals(new RuleVerdict("gopher_quality.alpha_words_ratio", 80 / 101.0, ">= 0.8"),
        firstFailure(PROSE, base + " 1234".repeat(21)));
  }

  @Test
  void stopWordsAreDistinctAndCaseSensitive() {
    assertNull(firstFailure(PROSE, words(50, "house")));
    String oneStopWord = "The And the " + String.join(" ", Collections.nCopies(47, "house"));
    assertEquals(new RuleVerdict("gopher_quality.stop_words", 1, ">= 2"), firstFailure(PROSE, oneStopWord));
  }

  @Test
  void nanSwitchesARuleOff() {
    GopherQualityFilter noHash = new GopherQualityFilter(50, 100_000, 3, 10, Double.NaN, 0.1, 0.9, 0.3, 0.8, 2);
    assertNull(firstFailure(noHash, words(54, "house") + " # # # # # # #"));
  }
}
