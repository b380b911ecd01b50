package dev.pretrain.batch.dedup.near;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ShinglerTest {

  private final Shingler shingler = new Shingler();

  @Test
  void caseSpacingAndPunctuationDoNotChangeTheShingles() {
    String a = "The quick brown fox jumps over the lazy dog, again and again.";
    String b = "the   QUICK brown fox -- jumps over\nthe lazy dog again; and AGAIN";
    assertArrayEquals(shingler.shingleSet(a), shingler.shingleSet(b));
    assertEquals(8, shingler.shingles(a).length, "12 words give 8 five-word shingles");
  }

  @Test
  void lowerCasingAndWordsAreUnicode() {
    assertArrayEquals(shingler.shingles("ÉCOLE été Straße ΑΘΗΝΑ 東京"), shingler.shingles("école ÉTÉ straße αθηνα 東京"));
    assertEquals(1, shingler.shingles("only three words").length, "fewer words than a shingle: one shingle of them all");
    assertEquals(0, shingler.shingles(" ... --- !!! ").length, "no words, no shingles");
  }

  @Test
  void wordOrderMatters() {
    assertFalse(Arrays.equals(shingler.shingles("one two three four five"), shingler.shingles("five four three two one")));
  }

  @Test
  void theSetIsSortedAndDistinct() {
    int[] set = shingler.shingleSet("a b c d e a b c d e a b c d e");
    for (int i = 1; i < set.length; i++) {
      assertEquals(true, set[i - 1] < set[i]);
    }
    assertEquals(5, set.length, "11 shingles, 5 distinct");
  }

  @Test
  void ngramHashesAreTheShinglesIn64BitsAndOnlyWholeNgrams() {
    String text = "One two THREE, four five six; seven eight nine ten eleven twelve thirteen fourteen fifteen one two";
    for (int n : new int[] {1, 5, 13, 17}) {
      Shingler s = new Shingler(n);
      long[] grams = s.ngramHashes(text);
      int[] shingles = s.shingles(text);
      assertEquals(17, s.ngramHashes(text).length + n - 1, "17 words give 17 - n + 1 n-grams");
      for (int i = 0; i < grams.length; i++) {
        assertEquals(shingles[i], (int) grams[i], "n = " + n + ", n-gram " + i);
      }
    }
    assertEquals(0, new Shingler(18).ngramHashes(text).length, "fewer words than n: no n-gram");
    assertEquals(1, new Shingler(18).shingles(text).length, "where shingles has one of them all");
    assertArrayEquals(new Shingler(13).ngramHashes(text), new Shingler(13).ngramHashes(text.toLowerCase() + "!"));
  }
}
