package dev.pretrain.batch.dedup.near;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Seeded texts of random words from a small vocabulary, and edits of known size. */
final class NearDuplicateTestTexts {

  private static final String[] VOCABULARY = ("the of and to in a is that for it as was with be by on not he this are or "
      + "his from at which but have an they you were her she there been one all we their has would when if so no "
      + "kernel memory page driver device buffer queue lock thread process signal file system module interrupt "
      + "river mountain forest city bread water light stone garden winter summer letter voice window table").split(" ");

  private NearDuplicateTestTexts() {}

  static List<String> words(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(VOCABULARY[r.nextInt(VOCABULARY.length)] + (r.nextInt(4) == 0 ? r.nextInt(100) : ""));
    }
    return out;
  }

  /** The words with {@code k} of them replaced by words that occur nowhere else. */
  static List<String> substitute(List<String> words, int k, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<String> out = new ArrayList<>(words);
    for (int i = 0; i < k; i++) {
      out.set(r.nextInt(out.size()), "zzsub" + seed + "x" + i);
    }
    return out;
  }

  static String text(List<String> words) {
    return String.join(" ", words);
  }
}
