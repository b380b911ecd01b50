package dev.pretrain.batch.curate.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The whole chain: prose and docs sets, C4 removals, edge cases, non-Latin scripts. */
class QualityFiltersTest {

  /** Ten distinct English sentences, one a line: passes every prose rule. */
  static final String PROSE = String.join("\n",
      "The old lighthouse keeper climbed the spiral stairs every evening before the sun went down.",
      "He polished the great lens and trimmed the wick so that ships could find their way home.",
      "Storms came often in the autumn, and the waves would throw spray against the iron door.",
      "His daughter kept a journal of every vessel that passed, with the date and the weather.",
      "Some nights were quiet, and she could hear seals calling from the rocks below the cliff.",
      "When the supply boat arrived each month, they traded letters with friends on the mainland.",
      "The village school had only twelve pupils, yet it owned a surprisingly large library.",
      "Visitors rarely stayed long, because the ferry left at noon and did not wait for anyone.",
      "In winter the harbour froze at its edges, and children skated between the moored boats.",
      "Years later she wrote a book about those seasons, and it is still read in that town today.");

  @Test
  void cleanProseIsKeptUnchangedByBothSets() {
    for (QualityFilters filters : List.of(QualityFilters.prose(), QualityFilters.docs())) {
      QualityFilters.Outcome outcome = filters.apply(PROSE);
      assertFalse(outcome.rejected(), filters.name() + ": " + outcome.rejection());
      assertNull(outcome.rejection());
      assertSame(PROSE, outcome.text());
      assertEquals(List.of(), outcome.removals());
    }
  }

  @Test
  void namesAreProseAndDocs() {
    assertEquals("prose", QualityFilters.prose().name());
    assertEquals("docs", QualityFilters.docs().name());
  }

  @Test
  void emptyTextIsRejectedByTheFirstFilter() {
    QualityFilters.Outcome outcome = QualityFilters.prose().apply("");
    assertEquals(new RuleVerdict("gopher_repetition.empty", 0, "> 0 chars"), outcome.rejection());
  }

  @Test
  void shortTextFailsTheTopBigramFirstAsInDatatrove() {
    // the most frequent 2-gram of a tiny text occurs once, yet "The cat" is 7 of 23 characters
    QualityFilters.Outcome outcome = QualityFilters.prose().apply("The cat sat on the mat.");
    assertEquals("gopher_repetition.top_2_gram_char_frac", outcome.rejection().rule());
    assertEquals(7.0 / 23, outcome.rejection().measured(), 1e-12);
    assertEquals("<= 0.2", outcome.rejection().threshold());
  }

  @Test
  void whitespaceOnlyTextIsRejected() {
    assertTrue(QualityFilters.prose().apply(" \n\t\n ").rejected());
    assertTrue(QualityFilters.docs().apply(" \n\t\n ").rejected());
  }

  @Test
  void c4RemovesJavascriptPolicyAndShortLinesAndReportsThem() {
    String text = PROSE + "\n"
        + "Please enable JavaScript in your browser to see this page.\n"
        + "\n"
        + "Read our privacy policy before you sign up for anything.\n"
        + "Home\n"
        + "A footnote was cited here.[12] And the story goes on.";
    QualityFilters.Outcome outcome = QualityFilters.prose().apply(text);
    assertFalse(outcome.rejected(), String.valueOf(outcome.rejection()));
    assertEquals(List.of(
        new QualityFilters.LineRemoval("c4.javascript", 1, 58),
        new QualityFilters.LineRemoval("c4.blank_line", 1, 0),
        new QualityFilters.LineRemoval("c4.policy", 1, 56),
        new QualityFilters.LineRemoval("c4.too_few_words", 1, 4),
        new QualityFilters.LineRemoval("c4.citation", 1, 4)), outcome.removals());
    assertEquals(PROSE + "\nA footnote was cited here. And the story goes on.", outcome.text());
  }

  @Test
  void c4RejectsCurlyBracketsAndLoremIpsumInProse() {
    QualityFilters prose = QualityFilters.prose();
    assertEquals(new RuleVerdict("c4.curly_bracket", 1, "absent"),
        prose.apply(PROSE + "\nThe struct is declared as struct foo { int a; }.").rejection());
    assertEquals(new RuleVerdict("c4.lorem_ipsum", 1, "absent"),
        prose.apply(PROSE + "\nLorem ipsum dolor sit amet, consectetur adipiscing elit.").rejection());
  }

  @Test
  void c4RejectsFewerThanFiveSentences() {
    // four lines of one sentence each, long enough for the Gopher rules
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      lines.add(PROSE.split("\n")[i]);
    }
    String four = String.join("\n", lines);
    QualityFilters.Outcome outcome = QualityFilters.prose().apply(four + "\nHome\nContact us");
    assertEquals(new RuleVerdict("c4.sentences", 4, ">= 5"), outcome.rejection());
    QualityFilters.Outcome five = QualityFilters.prose().apply(four + "\n" + PROSE.split("\n")[4]);
    assertFalse(five.rejected(), String.valueOf(five.rejection()));
  }

  @Test
  void docsKeepCodeThatProseRejects() {
    String doc = PROSE + "\n\nExample::\n\n    static int probe(struct device *dev) {\n"
        + "            return devm_add_action(dev, release, NULL);\n    }\n\n"
        + "The function above returns zero on success and a negative error code otherwise.\n";
    assertEquals("c4.curly_bracket", QualityFilters.prose().apply(doc).rejection().rule());
    QualityFilters.Outcome docs = QualityFilters.docs().apply(doc);
    assertFalse(docs.rejected(), String.valueOf(docs.rejection()));
    assertSame(doc, docs.text());
    assertEquals(List.of(), docs.removals());
  }

  @Test
  void docsCutOnlyTooLongWordLinesAndKeepTheLayout() {
    String doc = "  indented line\n" + "x".repeat(1001) + "\n\n" + PROSE + "\n";
    C4LineFilter.Result result = docsC4().apply(doc, v -> false);
    assertEquals("  indented line\n\n" + PROSE + "\n", result.text());
    assertEquals(List.of(new QualityFilters.LineRemoval("c4.too_long_word", 1, 1001)), result.removals());
  }

  @Test
  void docsCountRunsOfOneSymbolAsOneToken() {
    String underline = "=".repeat(40);
    Words prose = new WordSplitter(QualityFilters.STOP_WORDS, false).split("Title\n" + underline);
    Words docs = new WordSplitter(QualityFilters.STOP_WORDS, true).split("Title\n" + underline);
    assertEquals(41, prose.count);
    assertEquals(2, docs.count);
  }

  @Test
  void docsRelaxTheHashRuleAndTheAlphaRatio() {
    StringBuilder text = new StringBuilder(PROSE);
    for (int i = 0; i < 20; i++) {
      text.append("\n## alpha").append(i).append(" beta").append(i).append(" gamma").append(i).append(" delta")
          .append(i).append('.');
    }
    QualityFilters.Outcome prose = QualityFilters.prose().apply(text.toString());
    assertEquals("gopher_quality.hash_ratio", prose.rejection().rule());
    assertFalse(QualityFilters.docs().apply(text.toString()).rejected(),
        String.valueOf(QualityFilters.docs().apply(text.toString()).rejection()));
  }

  @Test
  void hanTextCountsOneWordPerCharacterAndFailsTheMeanWordLength() {
    // UDHR article 1 in Chinese, repeated with a number so that lines differ
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 6; i++) {
      text.append("第").append(i).append("条：人人生而自由，在尊严和权利上一律平等。他们赋有理性和良心，并应以兄弟关系的精神相对待。\n");
    }
    Words words = new WordSplitter(QualityFilters.STOP_WORDS, false).split(text.toString());
    assertTrue(words.count > 200, "one token per Han character: " + words.count);
    QualityFilters.Outcome outcome = QualityFilters.prose().apply(text.toString());
    assertTrue(outcome.rejected());
    assertTrue(outcome.rejection().rule().startsWith("gopher_"), outcome.rejection().toString());
  }

  @Test
  void cyrillicProseIsMeasuredLikeLatin() {
    String ru = "Все люди рождаются свободными и равными в своем достоинстве и правах. "
        + "Они наделены разумом и совестью и должны поступать в отношении друг друга в духе братства.";
    Words words = new WordSplitter(QualityFilters.STOP_WORDS, false).split(ru);
    assertEquals(28, words.count); // 26 words and two full stops
    assertEquals(26, words.alphaCount);
    // English stop words do not occur: the prose set is for English
    QualityFilters.Outcome outcome = QualityFilters.prose().apply((ru + "\n").repeat(1) + ru.toUpperCase());
    assertTrue(outcome.rejected());
  }

  @Test
  void allFailuresMeasuresEveryRule() {
    List<RuleVerdict> failures = QualityFilters.prose().allFailures("# x\n# x\n# x");
    List<String> rules = failures.stream().map(RuleVerdict::rule).toList();
    assertTrue(rules.contains("gopher_repetition.dup_line_frac"), rules.toString());
    assertTrue(rules.contains("gopher_quality.word_count"), rules.toString());
    assertTrue(rules.contains("c4.sentences"), rules.toString());
  }

  @Test
  void outcomeRemovalsAreImmutable() {
    QualityFilters.Outcome outcome = new QualityFilters.Outcome("t", null, new ArrayList<>());
    assertFalse(outcome.rejected());
    org.junit.jupiter.api.Assertions.assertThrows(UnsupportedOperationException.class,
        () -> outcome.removals().add(new QualityFilters.LineRemoval("c4.policy", 1, 1)));
  }

  private static C4LineFilter docsC4() {
    return new C4LineFilter(1000, false, false, 0, true, false, false, false, 0, true);
  }
}
