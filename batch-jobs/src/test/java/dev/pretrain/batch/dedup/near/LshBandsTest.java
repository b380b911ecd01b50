package dev.pretrain.batch.dedup.near;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LshBandsTest {

  @Test
  void theDefaultIs14BandsOf8RowsAroundSeventyTwoPercent() {
    assertEquals(112, LshBands.DEFAULT.hashes());
    assertEquals(0.719, LshBands.DEFAULT.threshold(), 0.001);
    assertTrue(LshBands.DEFAULT.candidateProbability(0.9) > 0.99);
    assertTrue(LshBands.DEFAULT.candidateProbability(0.5) < 0.06);
  }

  @Test
  void bandsAndRowsFollowTheRequestedThreshold() {
    for (double t : new double[] {0.5, 0.7, 0.8, 0.9}) {
      LshBands b = LshBands.forThreshold(t, 112);
      assertTrue(b.hashes() <= 112, b.toString());
      assertEquals(t, b.threshold(), 0.08, "threshold " + t + ": " + b);
    }
    assertTrue(LshBands.forThreshold(0.5, 112).threshold() < LshBands.forThreshold(0.9, 112).threshold());
    LshBands recall = LshBands.forThreshold(0.8, 112, 0.1, 0.9);
    LshBands balanced = LshBands.forThreshold(0.8, 112);
    assertTrue(recall.candidateProbability(0.8) >= balanced.candidateProbability(0.8), recall + " vs " + balanced);
  }

  @Test
  void aNearCopySharesABandAndAnUnrelatedTextDoesNot() {
    Shingler shingler = new Shingler();
    MinHasher hasher = new MinHasher();
    List<String> words = NearDuplicateTestTexts.words(300, 11);
    long[] original = hasher.signature(shingler.shingles(NearDuplicateTestTexts.text(words)));
    long[] nearCopy = hasher.signature(shingler.shingles(NearDuplicateTestTexts.text(
        NearDuplicateTestTexts.substitute(words, 2, 3))));
    long[] unrelated = hasher.signature(shingler.shingles(NearDuplicateTestTexts.text(
        NearDuplicateTestTexts.words(300, 12))));
    assertTrue(sharesBand(original, nearCopy), "2 of 300 words changed: Jaccard about 0.97");
    assertTrue(!sharesBand(original, unrelated), "unrelated texts");
  }

  @Test
  void aBucketKeyChangesWithAnyValueOfItsBandAndWithTheBand() {
    long[] sig = new long[112];
    for (int i = 0; i < sig.length; i++) {
      sig[i] = i * 31L;
    }
    long[] other = sig.clone();
    other[8 * 3 + 5]++;
    assertEquals(LshBands.DEFAULT.bucketKey(sig, 2), LshBands.DEFAULT.bucketKey(other, 2));
    assertNotEquals(LshBands.DEFAULT.bucketKey(sig, 3), LshBands.DEFAULT.bucketKey(other, 3));
    long[] same = new long[112];
    assertNotEquals(LshBands.DEFAULT.bucketKey(same, 0), LshBands.DEFAULT.bucketKey(same, 1),
        "equal values in different bands are different buckets");
  }

  private static boolean sharesBand(long[] x, long[] y) {
    for (int b = 0; b < LshBands.DEFAULT.bands(); b++) {
      if (LshBands.DEFAULT.bucketKey(x, b) == LshBands.DEFAULT.bucketKey(y, b)) {
        return true;
      }
    }
    return false;
  }
}
