package dev.pretrain.batch.dedup.near;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A planted near-duplicate set: each original text (real text, chosen by the caller) with edits of
 * known size, deterministic for a seed. Family {@code f}'s documents are its original and its edits.
 */
final class PlantedNearDuplicates {

  /** One document of the set: its family, the edit that made it ("original" for none), its text. */
  record Doc(int family, String edit, String text) {}

  private static final String BOILERPLATE = "This page was generated automatically from the package documentation. "
      + "Copyright the respective authors; redistribution is permitted under the terms stated in the license file. "
      + "Report errors in this page to the maintainers of the package through the usual bug tracker, quoting the "
      + "page title and the version shown at the top.";

  private PlantedNearDuplicates() {}

  /** The originals and, for each, 11 edits: substitutions, a paragraph shuffle, boilerplate, truncations, surface edits. */
  static List<Doc> build(List<String> originals, long seed) {
    List<Doc> out = new ArrayList<>();
    SplittableRandom random = new SplittableRandom(seed);
    for (int f = 0; f < originals.size(); f++) {
      String t = originals.get(f);
      out.add(new Doc(f, "original", t));
      for (double share : new double[] {0.01, 0.05, 0.10, 0.20, 0.30}) {
        out.add(new Doc(f, "substitute " + (int) Math.round(share * 100) + "% of words", substitute(t, share, random)));
      }
      out.add(new Doc(f, "shuffle paragraphs", shuffleParagraphs(t, random)));
      out.add(new Doc(f, "append boilerplate", t + "\n\n" + BOILERPLATE));
      out.add(new Doc(f, "truncate to 70%", t.substring(0, (int) (t.length() * 0.7))));
      out.add(new Doc(f, "truncate to 50%", t.substring(0, (int) (t.length() * 0.5))));
      out.add(new Doc(f, "whitespace, case and punctuation", surface(t)));
    }
    return out;
  }

  /** Replaces a share of the words (space-separated tokens) with words of no other document. */
  static String substitute(String text, double share, SplittableRandom random) {
    String[] words = text.split(" ", -1);
    int n = (int) Math.max(1, Math.round(words.length * share));
    for (int i = 0; i < n; i++) {
      words[random.nextInt(words.length)] = "qx" + Long.toString(random.nextLong() & Long.MAX_VALUE, 36);
    }
    return String.join(" ", words);
  }

  static String shuffleParagraphs(String text, SplittableRandom random) {
    List<String> paragraphs = new ArrayList<>(List.of(text.split("\n\n")));
    if (paragraphs.size() < 2) { // one paragraph: shuffle its lines instead
      paragraphs = new ArrayList<>(List.of(text.split("\n")));
      Collections.shuffle(paragraphs, new java.util.Random(random.nextLong()));
      return String.join("\n", paragraphs);
    }
    Collections.shuffle(paragraphs, new java.util.Random(random.nextLong()));
    return String.join("\n\n", paragraphs);
  }

  /** Upper case, doubled spaces, line breaks as spaces, punctuation added after every 7th word. */
  static String surface(String text) {
    String[] words = text.toUpperCase(java.util.Locale.ROOT).split("\\s+");
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < words.length; i++) {
      sb.append(words[i]).append(i % 7 == 6 ? ";  " : "  ");
    }
    return sb.toString();
  }
}
