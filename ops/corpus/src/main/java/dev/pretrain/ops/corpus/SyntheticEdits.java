package dev.pretrain.ops.corpus;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The edits that turn an original synthetic document into a planted near-duplicate, each of known
 * size. Texts are lines (paragraphs) of space-separated words, as {@link SyntheticText} writes them;
 * every edit keeps a text that still reads as English prose to curation (enough words and sentences,
 * stop words kept, no all-capitals).
 */
final class SyntheticEdits {

  /** What an edit made: the text, its name in the ground truth, its size and a readable account. */
  record Edited(String text, String edit, int size, String detail) {}

  static final String SUBSTITUTE = "substitute";
  static final String SHUFFLE = "shuffle";
  static final String BOILERPLATE = "boilerplate";
  static final String TRUNCATE = "truncate";
  static final String CASE = "case";
  static final String EXACT = "exact";

  /** The near-duplicate edits, drawn with equal odds. */
  static final List<String> NEAR_EDITS = List.of(SUBSTITUTE, SHUFFLE, BOILERPLATE, TRUNCATE, CASE);

  /** Shares of the words a substitution replaces (as PlantedNearDuplicates in the batch-jobs tests). */
  static final double[] SUBSTITUTE_SHARES = {0.01, 0.05, 0.10, 0.20, 0.30};
  /** Shares of the words a surface edit touches. */
  static final double[] CASE_SHARES = {0.02, 0.05, 0.10};
  /** A truncated copy keeps at least this many words and sentences (Gopher: 50 words; C4: 5 sentences). */
  static final int TRUNCATE_MIN_WORDS = 60;
  static final int TRUNCATE_MIN_SENTENCES = 6;
  static final int TRUNCATE_MIN_STOP_WORDS = 2;
  /** C4 (prose) removes lines of fewer words. */
  static final int C4_MIN_LINE_WORDS = 3;

  private SyntheticEdits() {}

  /** Applies {@code edit}; a truncation of a text too short to cut becomes a boilerplate edit. */
  static Edited apply(String edit, String text, SplittableRandom r, SyntheticText vocabulary) {
    return switch (edit) {
      case SUBSTITUTE -> substitute(text, SUBSTITUTE_SHARES[r.nextInt(SUBSTITUTE_SHARES.length)], r, vocabulary);
      case SHUFFLE -> shuffle(text, r);
      case BOILERPLATE -> boilerplate(text, r, vocabulary);
      case TRUNCATE -> {
        Edited t = truncate(text, r.nextDouble(0.5, 0.9));
        yield t != null ? t : boilerplate(text, r, vocabulary);
      }
      case CASE -> surface(text, CASE_SHARES[r.nextInt(CASE_SHARES.length)], r);
      default -> throw new IllegalArgumentException("unknown edit " + edit);
    };
  }

  /**
   * Replaces {@code k = max(1, round(share * n))} of the n words with other words of the vocabulary;
   * Gopher's stop words are left alone (their count is one of its rules), so k is at most the others.
   */
  static Edited substitute(String text, double share, SplittableRandom r, SyntheticText vocabulary) {
    String[][] lines = words(text);
    int n = count(lines);
    int[] eligible = new int[n];
    int m = 0;
    for (int index = 0; index < n; index++) {
      int[] at = locate(lines, index);
      String w = lines[at[0]][at[1]];
      if (SyntheticText.stopWordBits(w) == 0) {
        eligible[m++] = index;
      }
    }
    int k = (int) Math.min(m, Math.max(1, Math.round(n * share)));
    for (int pick : pick(m, k, r)) {
      int[] at = locate(lines, eligible[pick]);
      String old = lines[at[0]][at[1]];
      int end = old.length();
      while (end > 0 && ".,;:!?".indexOf(old.charAt(end - 1)) >= 0) {
        end--;
      }
      String core = old.substring(0, end);
      String w;
      do {
        w = vocabulary.substitute(r);
      } while (w.equalsIgnoreCase(core));
      if (!core.isEmpty() && Character.isUpperCase(core.charAt(0))) {
        w = Character.toUpperCase(w.charAt(0)) + w.substring(1);
      }
      lines[at[0]][at[1]] = w + old.substring(end);
    }
    return new Edited(join(lines, null), SUBSTITUTE, k, "substitute " + k + " of " + n + " words");
  }

  /** Paragraph order shuffled, or (half the time, where a paragraph has two sentences) sentence order within paragraphs. */
  static Edited shuffle(String text, SplittableRandom r) {
    String[] paragraphs = text.split("\n", -1);
    if (r.nextBoolean()) {
      List<List<String>> sentences = new ArrayList<>();
      int total = 0;
      boolean any = false;
      for (String p : paragraphs) {
        List<String> s = sentences(p);
        sentences.add(s);
        total += s.size();
        any |= s.size() > 1;
      }
      if (any) {
        int moved = 0;
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < sentences.size(); i++) {
          List<String> s = sentences.get(i);
          int[] order = permutation(s.size(), r);
          for (int j = 0; j < order.length; j++) {
            moved += order[j] != j ? 1 : 0;
            out.append(j == 0 ? "" : " ").append(s.get(order[j]));
          }
          if (i < sentences.size() - 1) {
            out.append('\n');
          }
        }
        return new Edited(out.toString(), SHUFFLE, moved, "shuffle sentences within paragraphs: " + moved + " of "
            + total + " moved");
      }
    }
    if (paragraphs.length < 2) {
      List<String> s = sentences(text);
      int[] order = permutation(s.size(), r);
      int moved = 0;
      StringBuilder out = new StringBuilder(text.length());
      for (int j = 0; j < order.length; j++) {
        moved += order[j] != j ? 1 : 0;
        out.append(j == 0 ? "" : " ").append(s.get(order[j]));
      }
      return new Edited(out.toString(), SHUFFLE, moved, "shuffle sentences: " + moved + " of " + s.size() + " moved");
    }
    int[] order = permutation(paragraphs.length, r);
    int moved = 0;
    StringBuilder out = new StringBuilder(text.length());
    for (int j = 0; j < order.length; j++) {
      moved += order[j] != j ? 1 : 0;
      out.append(j == 0 ? "" : "\n").append(paragraphs[order[j]]);
    }
    return new Edited(out.toString(), SHUFFLE, moved, "shuffle paragraphs: " + moved + " of " + paragraphs.length
        + " moved");
  }

  /** A boilerplate line added as the first (a third of the time) or the last line; size: its words. */
  static Edited boilerplate(String text, SplittableRandom r, SyntheticText vocabulary) {
    String line = vocabulary.boilerplate(r);
    boolean first = r.nextInt(3) == 0;
    int words = SyntheticText.countWords(line);
    return new Edited(first ? line + "\n" + text : text + "\n" + line, BOILERPLATE, words,
        "boilerplate line of " + words + " words at the " + (first ? "start" : "end"));
  }

  /**
   * The first {@code keep} share of the words (cut after a word), but at least {@link #TRUNCATE_MIN_WORDS}
   * words, {@link #TRUNCATE_MIN_SENTENCES} sentences and {@link #TRUNCATE_MIN_STOP_WORDS} distinct stop
   * words, and never a last line of fewer than 3 words (C4 would remove it, and the copy ingest keeps
   * would no longer be the one the ground truth describes); null when that leaves nothing to cut. Size:
   * words removed.
   */
  static Edited truncate(String text, double keep) {
    int n = SyntheticText.countWords(text);
    int m = Math.max(TRUNCATE_MIN_WORDS, (int) Math.ceil(n * keep));
    int words = 0;
    int sentences = 0;
    int stopWords = 0;
    int cut = -1;
    int start = 0;
    int beforeLine = 0; // words before the current line
    boolean in = false;
    for (int i = 0; i <= text.length(); i++) {
      boolean space = i == text.length() || text.charAt(i) == ' ' || text.charAt(i) == '\n';
      if (!space && !in) {
        start = i;
      }
      if (space && in) { // a word ended at i
        words++;
        boolean lineEnds = i == text.length() || text.charAt(i) == '\n';
        char last = text.charAt(i - 1);
        if (last == '.' || last == '?' || last == '!') {
          sentences++;
        }
        stopWords |= SyntheticText.stopWordBits(text.substring(start, i));
        if (words >= m && sentences >= TRUNCATE_MIN_SENTENCES
            && Integer.bitCount(stopWords) >= TRUNCATE_MIN_STOP_WORDS
            && (lineEnds || words - beforeLine >= C4_MIN_LINE_WORDS)) {
          cut = i;
          break;
        }
      }
      if (i < text.length() && text.charAt(i) == '\n') {
        beforeLine = words;
      }
      in = !space;
    }
    if (cut < 0 || words >= n) {
      return null;
    }
    return new Edited(text.substring(0, cut), TRUNCATE, n - words, "truncate to " + words + " of " + n + " words");
  }

  /**
   * Whitespace, case and punctuation: {@code max(1, round(share * n))} words each get one change (first
   * letter's case flipped, a doubled space before it, or its punctuation changed: "." to "!", a comma
   * removed or added). Size: changes.
   */
  static Edited surface(String text, double share, SplittableRandom r) {
    String[][] lines = words(text);
    int n = count(lines);
    int k = (int) Math.max(1, Math.round(n * share));
    boolean[][] doubled = new boolean[lines.length][];
    for (int i = 0; i < lines.length; i++) {
      doubled[i] = new boolean[lines[i].length];
    }
    int cases = 0;
    int spaces = 0;
    int punctuation = 0;
    for (int index : pick(n, k, r)) {
      int[] at = locate(lines, index);
      String w = lines[at[0]][at[1]];
      int op = r.nextInt(3);
      if (op == 1 && at[1] == 0) {
        op = 0; // no space before a line's first word
      }
      switch (op) {
        case 0 -> {
          char c = w.charAt(0);
          char flipped = Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c);
          lines[at[0]][at[1]] = flipped + w.substring(1);
          cases++;
        }
        case 1 -> {
          doubled[at[0]][at[1]] = true;
          spaces++;
        }
        default -> {
          if (w.endsWith(".")) {
            lines[at[0]][at[1]] = w.substring(0, w.length() - 1) + "!";
          } else if (w.endsWith(",")) {
            lines[at[0]][at[1]] = w.substring(0, w.length() - 1);
          } else if (Character.isLetterOrDigit(w.charAt(w.length() - 1))) {
            lines[at[0]][at[1]] = w + ",";
          } else {
            lines[at[0]][at[1]] = w.substring(0, w.length() - 1) + ".";
          }
          punctuation++;
        }
      }
    }
    return new Edited(join(lines, doubled), CASE, k, String.format(Locale.ROOT,
        "%d of %d words changed: %d case, %d spacing, %d punctuation", k, n, cases, spaces, punctuation));
  }

  // ---------------------------------------------------------------- helpers

  private static String[][] words(String text) {
    String[] lines = text.split("\n", -1);
    String[][] out = new String[lines.length][];
    for (int i = 0; i < lines.length; i++) {
      out[i] = lines[i].split(" ");
    }
    return out;
  }

  private static int count(String[][] lines) {
    int n = 0;
    for (String[] l : lines) {
      n += l.length;
    }
    return n;
  }

  /** (line, word) of the index-th word overall. */
  private static int[] locate(String[][] lines, int index) {
    int i = 0;
    while (index >= lines[i].length) {
      index -= lines[i].length;
      i++;
    }
    return new int[] {i, index};
  }

  private static String join(String[][] lines, boolean[][] doubled) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < lines.length; i++) {
      if (i > 0) {
        sb.append('\n');
      }
      for (int j = 0; j < lines[i].length; j++) {
        if (j > 0) {
          sb.append(doubled != null && doubled[i][j] ? "  " : " ");
        }
        sb.append(lines[i][j]);
      }
    }
    return sb.toString();
  }

  /** k distinct indexes of [0, n), in the order drawn (partial Fisher-Yates). */
  private static int[] pick(int n, int k, SplittableRandom r) {
    int[] all = new int[n];
    for (int i = 0; i < n; i++) {
      all[i] = i;
    }
    int take = Math.min(k, n);
    for (int i = 0; i < take; i++) {
      int j = i + r.nextInt(n - i);
      int t = all[i];
      all[i] = all[j];
      all[j] = t;
    }
    return java.util.Arrays.copyOf(all, take);
  }

  /** A permutation of [0, n) that moves something when n >= 2. */
  private static int[] permutation(int n, SplittableRandom r) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    boolean identity = true;
    for (int i = 0; i < n && identity; i++) {
      identity = p[i] == i;
    }
    if (identity && n >= 2) { // rotate by one
      for (int i = 0; i < n; i++) {
        p[i] = (i + 1) % n;
      }
    }
    return p;
  }

  /** A paragraph's sentences: cut after ". ", "? " or "! ". */
  static List<String> sentences(String paragraph) {
    List<String> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i + 1 < paragraph.length(); i++) {
      char c = paragraph.charAt(i);
      if ((c == '.' || c == '?' || c == '!') && paragraph.charAt(i + 1) == ' ') {
        out.add(paragraph.substring(start, i + 1));
        start = i + 2;
      }
    }
    out.add(paragraph.substring(start));
    return out;
  }
}
