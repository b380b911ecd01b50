package dev.pretrain.batch.curate.quality;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Token boundaries of the word splitter. */
class WordSplitterTest {

  private static List<String> tokens(String text, boolean groupSymbolRuns) {
    Words words = new WordSplitter(QualityFilters.STOP_WORDS, groupSymbolRuns).split(text);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < words.count; i++) {
      out.add(text.substring(words.starts[i], words.starts[i] + words.lengths[i]));
    }
    return out;
  }

  @Test
  void punctuationIsSplitOffWords() {
    assertEquals(List.of("Hello", ",", "world", "...", "wait", "!", "!", "ok", "--", "yes"),
        tokens("Hello, world... wait!! ok -- yes", false));
  }

  @Test
  void apostrophesNumbersAndAbbreviations() {
    assertEquals(List.of("don", "'t", "it", "\u2019s", "3.14", "1,000", "U.S.", "foo.bar", "a", ",", "b"),
        tokens("don't it\u2019s 3.14 1,000 U.S. foo.bar a, b", false));
  }

  @Test
  void hanAndKanaAreOneTokenPerCharacter() {
    assertEquals(List.of("人", "人", "平", "等", "。", "ひ", "と"), tokens("人人平等。ひと", false));
  }

  @Test
  void symbolRunsAreGroupedOnlyWhenAsked() {
    assertEquals(List.of("#", "#", "#", "x"), tokens("### x", false));
    assertEquals(List.of("###", "x", "==="), tokens("### x ===", true));
  }

  @Test
  void countsForTheQualityRules() {
    Words words = new WordSplitter(QualityFilters.STOP_WORDS, false).split("The cat and the 42 dogs , to be");
    assertEquals(9, words.count);
    assertEquals(8, words.nonSymbolCount);
    assertEquals(7, words.alphaCount);
    // and, the, to, be ("The" is not "the")
    assertEquals(4, Integer.bitCount(words.stopWordMask));
  }
}
