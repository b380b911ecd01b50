package dev.pretrain.batch.curate.language;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TextSampleTest {

  /** "w0000 w0001 ... w(n-1)" with {@code separator} between: a word's index says where it is. */
  private static String words(int from, int to, String separator) {
    return IntStream.range(from, to).mapToObj(i -> String.format("w%04d", i)).collect(Collectors.joining(separator));
  }

  @Test
  void aShortTextIsItsOwnSampleWithWhitespaceNormalized() {
    assertEquals("one two three", TextSample.of("  one\ttwo\n\nthree ", 100, 3, false));
    assertEquals(words(0, 10, " "), TextSample.of(words(0, 10, "\n"), 100, 3, false));
  }

  @Test
  void aPrefixSampleEndsOnAWordBoundary() {
    String text = words(0, 1000, " ");
    // 100 chars reach into word 16 (it starts at 96): it is cut, so it is left out
    assertEquals(words(0, 16, " "), TextSample.of(text, 100, 1, false));
  }

  @Test
  void threeWindowsStartAtTheStartAThirdAndTwoThirdsInAndHoldWholeWords() {
    String text = words(0, 1000, " "); // 5999 chars
    String sample = TextSample.of(text, 300, 3, false);
    assertTrue(sample.length() <= 300, sample.length() + " chars");
    String[] windows = sample.split("\n");
    assertEquals(3, windows.length);
    // windows of 99 chars; the second starts at char 1999, inside word 333, the third at 3999, inside 666
    assertEquals(words(0, 16, " "), windows[0]);
    assertEquals(words(334, 349, " "), windows[1]);
    assertEquals(words(667, 683, " "), windows[2]);
  }

  @Test
  void wordsOnlyLeavesOutWhatIsNotLanguageAndScansFurtherToFillTheWindow() {
    String filler = "see /sys/bus/iio/devices/iio:device0 and 0x1f, e.g. in_voltage0_raw ";
    String text = filler.repeat(20); // 1360 chars, 2 words in each 68-char repetition
    String sample = TextSample.of(text, 100, 1, true);
    assertEquals("see and see and see and see and see and see and", sample,
        "the window scans up to " + TextSample.SCAN_FACTOR + " x 100 chars for words");
    assertEquals("see and see and", TextSample.of(filler.repeat(2), 200, 1, true), "a short text, filtered");
    assertEquals("", TextSample.of("12 34 5.6 /usr/bin a_b https://example.org", 1000, 3, true));
  }

  @Test
  void wordLikeTokens() {
    for (String word : new String[] {"end.", "Description:", "don't", "well-known", "(about", "«Artikel", "Übung!"}) {
      assertTrue(TextSample.isWordLike(word, 0, word.length()), word);
    }
    for (String token : new String[] {"e.g.", "file.rst", "http://x", "a@b", "x_y", "42", "5V)", "a=b", "<p>"}) {
      assertFalse(TextSample.isWordLike(token, 0, token.length()), token);
    }
  }

  @Test
  void aTextWithoutSpacesIsCutAtTheWindowEdgesButNeverInsideASurrogatePair() {
    String text = "\uD840\uDC00".repeat(1000); // U+20000, a CJK ideograph outside the BMP
    // windows of 33 chars starting at 0, 666 and 1333: the last starts inside a pair, all end inside one
    String sample = TextSample.of(text, 101, 3, true);
    String[] windows = sample.split("\n");
    assertEquals(3, windows.length);
    for (String window : windows) {
      assertTrue(window.codePoints().allMatch(cp -> cp == 0x20000), "no lone surrogate");
      assertEquals(32, window.length());
    }
  }

  @Test
  void badBoundsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> TextSample.of("abc", 2, 3, false));
    assertThrows(IllegalArgumentException.class, () -> TextSample.of("abc", 10, 0, false));
  }
}
