package dev.pretrain.ops.corpus;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Short English documents from a small grammar: sentence templates whose slots are filled from word
 * lists (nouns, verbs with their forms, adjectives, adverbs, places, names, time phrases), all in the
 * bundled {@code corpus/synth-english.txt}. A document is 7 or more sentences in paragraphs of 2 to 4
 * (one line each), about 350 to 1,500 characters (log-uniform): enough words and sentences for the
 * Gopher and C4 rules, the stop words and punctuation of prose, no repeated lines. Every text is a
 * function of the random generator handed in; the class itself holds no state beyond the word lists.
 */
final class SyntheticText {

  static final String RESOURCE = "corpus/synth-english.txt";
  static final int MIN_CHARS = 350;
  static final int MAX_CHARS = 1500;
  static final int MIN_SENTENCES = 7;
  /** Gopher's minimum is 50 words; a margin keeps truncated copies above it too. */
  static final int MIN_WORDS = 70;
  /** Gopher's stop words (case-sensitive); it asks for 2 distinct ones, an original carries 3 or more. */
  static final List<String> STOP_WORDS = List.of("the", "be", "to", "of", "and", "that", "have", "with");
  static final int MIN_STOP_WORDS = 3;

  enum Slot {
    N, Ns, A, V, Vp, Ven, Vs, R, L, P, T, C, E, Q
  }

  /** One piece of a template: literal text or a slot to fill. */
  private record Piece(String literal, Slot slot) {}

  private static final Pattern SLOT = Pattern.compile("\\{(\\w+)\\}");
  private static volatile SyntheticText standard;

  private final Map<Slot, String[]> words = new EnumMap<>(Slot.class);
  private final List<Piece[]> templates = new ArrayList<>();
  private final String[] boilerplate;
  /** Content words a substitution puts in: nouns (both numbers), adjectives, adverbs, past tenses. */
  private final String[] substitutes;

  private SyntheticText(Map<String, List<String>> sections) {
    List<String> nouns = section(sections, "nouns");
    List<String> verbs = section(sections, "verbs");
    words.put(Slot.N, column(nouns, 0, 2, "nouns"));
    words.put(Slot.Ns, column(nouns, 1, 2, "nouns"));
    words.put(Slot.V, column(verbs, 0, 4, "verbs"));
    words.put(Slot.Vp, column(verbs, 1, 4, "verbs"));
    words.put(Slot.Ven, column(verbs, 2, 4, "verbs"));
    words.put(Slot.Vs, column(verbs, 3, 4, "verbs"));
    words.put(Slot.A, section(sections, "adjectives").toArray(String[]::new));
    words.put(Slot.R, section(sections, "adverbs").toArray(String[]::new));
    words.put(Slot.L, section(sections, "places").toArray(String[]::new));
    words.put(Slot.P, section(sections, "names").toArray(String[]::new));
    words.put(Slot.T, section(sections, "times").toArray(String[]::new));
    words.put(Slot.C, section(sections, "connectives").toArray(String[]::new));
    words.put(Slot.E, section(sections, "periods").toArray(String[]::new));
    words.put(Slot.Q, section(sections, "numbers").toArray(String[]::new));
    for (String t : section(sections, "templates")) {
      templates.add(compile(t));
    }
    if (templates.size() > 64) {
      throw new CorpusException(RESOURCE + ": at most 64 templates (a document tracks the ones it used in a long)");
    }
    boilerplate = section(sections, "boilerplate").toArray(String[]::new);
    Set<String> subs = new java.util.LinkedHashSet<>();
    for (Slot s : new Slot[] {Slot.N, Slot.Ns, Slot.A, Slot.R, Slot.Vp}) {
      subs.addAll(List.of(words.get(s)));
    }
    substitutes = subs.toArray(String[]::new);
  }

  /** The bundled vocabulary and templates (loaded once). */
  static SyntheticText standard() {
    SyntheticText s = standard;
    if (s == null) {
      synchronized (SyntheticText.class) {
        if (standard == null) {
          try (InputStream in = SyntheticText.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
              throw new CorpusException("no " + RESOURCE + " on the classpath");
            }
            standard = new SyntheticText(parse(in));
          } catch (IOException e) {
            throw new UncheckedIOException(RESOURCE + ": " + e.getMessage(), e);
          }
        }
        s = standard;
      }
    }
    return s;
  }

  /** One document: paragraphs of sentences, one paragraph per line. */
  String document(SplittableRandom r) {
    int target = (int) Math.round(Math.exp(r.nextDouble(Math.log(MIN_CHARS), Math.log(MAX_CHARS))));
    StringBuilder doc = new StringBuilder(MAX_CHARS + 200);
    StringBuilder sentence = new StringBuilder(160);
    int sentences = 0;
    int wordCount = 0;
    int stopWords = 0; // bit per STOP_WORDS entry
    long used = 0; // bit per template
    int inParagraph = 0;
    int paragraphLength = 2 + r.nextInt(3);
    while (true) {
      used = sentence(r, sentence, used);
      boolean enough = sentences >= MIN_SENTENCES && wordCount >= MIN_WORDS
          && Integer.bitCount(stopWords) >= MIN_STOP_WORDS;
      if (enough && (doc.length() >= target || doc.length() + 1 + sentence.length() > MAX_CHARS)) {
        break;
      }
      if (sentences > 0) {
        doc.append(inParagraph == 0 ? '\n' : ' ');
      }
      doc.append(sentence);
      wordCount += countWords(sentence);
      stopWords |= stopWordBits(sentence);
      sentences++;
      if (++inParagraph == paragraphLength) {
        inParagraph = 0;
        paragraphLength = 2 + r.nextInt(3);
      }
    }
    return doc.toString();
  }

  /** A content word for a substitution edit. */
  String substitute(SplittableRandom r) {
    return substitutes[r.nextInt(substitutes.length)];
  }

  /** A boilerplate line (an ordinary English sentence that many documents may carry). */
  String boilerplate(SplittableRandom r) {
    return boilerplate[r.nextInt(boilerplate.length)];
  }

  int templateCount() {
    return templates.size();
  }

  int vocabularySize() {
    Set<String> all = new HashSet<>();
    words.values().forEach(w -> all.addAll(List.of(w)));
    return all.size();
  }

  /**
   * A sentence from a template this document has not used yet ({@code used}: one bit per template), so
   * that a template's fixed words (e.g. "Nobody knew why the") do not repeat within a document, which
   * Gopher's top n-gram and duplicate n-gram rules would count against it.
   */
  private long sentence(SplittableRandom r, StringBuilder out, long used) {
    if (Long.bitCount(used) == templates.size()) {
      used = 0; // every template used once: start over
    }
    int t;
    do {
      t = r.nextInt(templates.size());
    } while ((used & (1L << t)) != 0);
    out.setLength(0);
    for (Piece p : templates.get(t)) {
      if (p.slot() == null) {
        out.append(p.literal());
      } else {
        String[] w = words.get(p.slot());
        out.append(w[r.nextInt(w.length)]);
      }
    }
    fixArticles(out);
    out.setCharAt(0, Character.toUpperCase(out.charAt(0)));
    return used | (1L << t);
  }

  /** "a" before a vowel sound becomes "an" (the templates write "a" before every slot). */
  static void fixArticles(StringBuilder s) {
    for (int i = 0; i + 2 < s.length(); i++) {
      char c = s.charAt(i);
      if ((c == 'a' || c == 'A') && (i == 0 || s.charAt(i - 1) == ' ') && s.charAt(i + 1) == ' '
          && needsAn(s, i + 2)) {
        s.insert(i + 1, 'n');
      }
    }
  }

  private static boolean needsAn(CharSequence s, int from) {
    int end = from;
    while (end < s.length() && Character.isLetter(s.charAt(end))) {
      end++;
    }
    String w = s.subSequence(from, end).toString().toLowerCase(Locale.ROOT);
    if (w.isEmpty()) {
      return false;
    }
    if (w.startsWith("hon") || w.startsWith("hour")) {
      return true;
    }
    if (w.startsWith("use") || w.startsWith("usu") || w.startsWith("uni") || w.startsWith("eu") || w.startsWith("one")) {
      return false;
    }
    return "aeiou".indexOf(w.charAt(0)) >= 0;
  }

  /** The Gopher stop words in a text, one bit each (words compared without trailing punctuation). */
  static int stopWordBits(CharSequence s) {
    int bits = 0;
    int start = -1;
    for (int i = 0; i <= s.length(); i++) {
      boolean space = i == s.length() || s.charAt(i) == ' ' || s.charAt(i) == '\n';
      if (!space && start < 0) {
        start = i;
      } else if (space && start >= 0) {
        int end = i;
        while (end > start && ".,;:!?".indexOf(s.charAt(end - 1)) >= 0) {
          end--;
        }
        int k = stopWordIndex(s, start, end);
        if (k >= 0) {
          bits |= 1 << k;
        }
        start = -1;
      }
    }
    return bits;
  }

  /** Index in {@link #STOP_WORDS} of s[start, end), or -1. */
  static int stopWordIndex(CharSequence s, int start, int end) {
    int len = end - start;
    if (len < 2 || len > 4) {
      return -1;
    }
    for (int k = 0; k < STOP_WORDS.size(); k++) {
      String w = STOP_WORDS.get(k);
      if (w.length() == len) {
        boolean same = true;
        for (int i = 0; i < len && same; i++) {
          same = w.charAt(i) == s.charAt(start + i);
        }
        if (same) {
          return k;
        }
      }
    }
    return -1;
  }

  static int countWords(CharSequence s) {
    int n = 0;
    boolean in = false;
    for (int i = 0; i < s.length(); i++) {
      boolean space = s.charAt(i) == ' ' || s.charAt(i) == '\n';
      if (!space && !in) {
        n++;
      }
      in = !space;
    }
    return n;
  }

  private static Piece[] compile(String template) {
    List<Piece> pieces = new ArrayList<>();
    Matcher m = SLOT.matcher(template);
    int at = 0;
    while (m.find()) {
      if (m.start() > at) {
        pieces.add(new Piece(template.substring(at, m.start()), null));
      }
      Slot slot;
      try {
        slot = Slot.valueOf(m.group(1));
      } catch (IllegalArgumentException e) {
        throw new CorpusException(RESOURCE + ": unknown slot {" + m.group(1) + "} in template: " + template);
      }
      pieces.add(new Piece(null, slot));
      at = m.end();
    }
    if (at < template.length()) {
      pieces.add(new Piece(template.substring(at), null));
    }
    return pieces.toArray(Piece[]::new);
  }

  static Map<String, List<String>> parse(InputStream in) throws IOException {
    Map<String, List<String>> sections = new LinkedHashMap<>();
    List<String> current = null;
    String name = null;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      int lineNo = 0;
      for (String line; (line = r.readLine()) != null; ) {
        lineNo++;
        String t = line.strip();
        if (t.isEmpty() || t.startsWith("#")) {
          continue;
        }
        if (t.startsWith("[") && t.endsWith("]")) {
          name = t.substring(1, t.length() - 1);
          current = sections.computeIfAbsent(name, k -> new ArrayList<>());
          continue;
        }
        if (current == null) {
          throw new CorpusException(RESOURCE + " line " + lineNo + ": entry before the first [section]");
        }
        if (current.contains(t)) {
          throw new CorpusException(RESOURCE + " line " + lineNo + ": '" + t + "' twice in [" + name + "]");
        }
        current.add(t);
      }
    }
    return sections;
  }

  private static List<String> section(Map<String, List<String>> sections, String name) {
    List<String> s = sections.get(name);
    if (s == null || s.isEmpty()) {
      throw new CorpusException(RESOURCE + ": section [" + name + "] missing or empty");
    }
    return s;
  }

  private static String[] column(List<String> rows, int column, int columns, String section) {
    String[] out = new String[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      String[] f = rows.get(i).split("\\s+");
      if (f.length != columns) {
        throw new CorpusException(RESOURCE + ": [" + section + "] entry '" + rows.get(i) + "' needs " + columns
            + " forms");
      }
      out[i] = f[column];
    }
    return out;
  }
}
