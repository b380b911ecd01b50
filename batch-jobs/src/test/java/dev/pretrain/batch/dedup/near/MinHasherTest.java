package dev.pretrain.batch.dedup.near;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class MinHasherTest {

  private final Shingler shingler = new Shingler();
  private final MinHasher hasher = new MinHasher();

  @Test
  void exactJaccardOfSortedSets() {
    assertEquals(2.0 / 4, MinHasher.jaccard(new int[] {1, 2, 3}, new int[] {2, 3, 4}));
    assertEquals(0.0, MinHasher.jaccard(new int[] {1}, new int[] {2}));
    assertEquals(1.0, MinHasher.jaccard(new int[] {-5, 7}, new int[] {-5, 7}));
  }

  @Test
  void theEstimateTracksExactJaccardWithinItsStandardError() {
    double sumError = 0;
    double maxError = 0;
    int pairs = 0;
    for (int k = 0; k <= 150; k += 5) { // 0 .. 150 of 400 words substituted: Jaccard from 1 down to about 0.1
      List<String> words = NearDuplicateTestTexts.words(400, 1000 + k);
      List<String> edited = NearDuplicateTestTexts.substitute(words, k, 77 + k);
      String a = NearDuplicateTestTexts.text(words);
      String b = NearDuplicateTestTexts.text(edited);
      double exact = MinHasher.jaccard(shingler.shingleSet(a), shingler.shingleSet(b));
      double estimate = MinHasher.estimate(hasher.signature(shingler.shingles(a)), hasher.signature(shingler.shingles(b)));
      double error = Math.abs(exact - estimate);
      sumError += error;
      maxError = Math.max(maxError, error);
      pairs++;
    }
    // standard error at most sqrt(0.25 / 112) = 0.047; the mean absolute error is about 0.8 of it
    assertTrue(sumError / pairs < 0.045, "mean error " + sumError / pairs);
    assertTrue(maxError < 0.19, "max error " + maxError + " (4 standard errors)");
  }

  @Test
  void signaturesDependOnTheTextAndSeedOnly() {
    int[] shingles = shingler.shingles(NearDuplicateTestTexts.text(NearDuplicateTestTexts.words(200, 5)));
    assertArrayEquals(hasher.signature(shingles), new MinHasher().signature(shingles));
    assertFalse(Arrays.equals(hasher.signature(shingles), new MinHasher(112, 99).signature(shingles)));
    assertEquals(1.0, MinHasher.estimate(hasher.signature(shingles), hasher.signature(shingles.clone())));
    assertNull(hasher.signature(new int[0]), "a text without words has no signature");
    for (long v : hasher.signature(shingles)) {
      assertTrue(v >= 0 && v <= 0xFFFF_FFFFL, "unsigned 32-bit values");
    }
  }
}
