package dev.pretrain.batch.curate.quality;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * C4's line and page heuristics (Raffel et al. 2020, as datatrove's C4QualityFilter with split on lines):
 * some lines are removed, some findings reject the whole document. Each line is checked in datatrove's
 * order: a word over the length limit, citation markers cut out, terminal punctuation, too few words,
 * "lorem ipsum" (rejects), "javascript", a curly bracket (rejects), policy phrases; the document is
 * rejected when the kept lines hold too few sentences.
 *
 * <p>Prose mode rebuilds the text as datatrove does: kept lines trimmed, joined by LF (blank lines
 * go). Layout-keeping mode (docs) cuts out the removed lines only and keeps the rest verbatim, blank
 * lines and indentation included.
 */
final class C4LineFilter {

  static final String PREFIX = "c4.";
  private static final String[] POLICY_PHRASES = {
    "terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies"
  };

  private final int maxWordLength;
  private final boolean removeCitations;
  private final boolean requireTerminalPunct;
  private final int minWordsPerLine;
  private final boolean rejectLoremIpsum;
  private final boolean removeJavascript;
  private final boolean rejectCurlyBracket;
  private final boolean removePolicy;
  private final int minSentences;
  private final boolean keepLayout;

  /** Non-positive ints switch their rule off. */
  C4LineFilter(int maxWordLength, boolean removeCitations, boolean requireTerminalPunct, int minWordsPerLine,
      boolean rejectLoremIpsum, boolean removeJavascript, boolean rejectCurlyBracket, boolean removePolicy,
      int minSentences, boolean keepLayout) {
    this.maxWordLength = maxWordLength;
    this.removeCitations = removeCitations;
    this.requireTerminalPunct = requireTerminalPunct;
    this.minWordsPerLine = minWordsPerLine;
    this.rejectLoremIpsum = rejectLoremIpsum;
    this.removeJavascript = removeJavascript;
    this.rejectCurlyBracket = rejectCurlyBracket;
    this.removePolicy = removePolicy;
    this.minSentences = minSentences;
    this.keepLayout = keepLayout;
  }

  /** The filtered text (the input instance itself when nothing changed) and the line removals. */
  record Result(String text, boolean rejected, List<QualityFilters.LineRemoval> removals) {}

  Result apply(String text, VerdictSink sink) {
    int n = text.length();
    StringBuilder out = new StringBuilder(n);
    Removals removals = new Removals();
    int sentences = 0;
    boolean rejected = false;
    boolean changed = false;
    int lineStart = 0;
    while (lineStart < n) {
      int lineEnd = text.indexOf('\n', lineStart);
      if (lineEnd < 0) {
        lineEnd = n;
      }
      int s = lineStart;
      int e = lineEnd;
      while (s < e && WordSplitter.isSpace(text.charAt(s))) {
        s++;
      }
      while (e > s && WordSplitter.isSpace(text.charAt(e - 1))) {
        e--;
      }
      String removedBy = null;
      String line = "";
      if (s == e) {
        removedBy = keepLayout ? null : "blank_line";
      } else {
        line = keepLayout ? text.substring(lineStart, lineEnd) : text.substring(s, e);
        removedBy = lineRule(text, s, e, line);
        if (removedBy == null && removeCitations && line.indexOf('[') >= 0) {
          String cut = Citations.remove(line);
          if (cut.length() != line.length()) {
            removals.add("citation", 1, line.length() - cut.length());
            line = cut;
            changed = true;
          }
        }
        if (removedBy == null) {
          removedBy = contentRule(text, s, e, line);
        }
        if (DOCUMENT_REJECT.equals(removedBy)) {
          rejected = true;
          RuleVerdict verdict = new RuleVerdict(PREFIX + lastDocumentRule(line), 1, "absent");
          if (!sink.failed(verdict)) {
            return new Result(text, true, removals.list());
          }
          removedBy = null;
        }
      }
      if (removedBy != null) {
        changed = true;
        removals.add(removedBy, 1, lineEnd - lineStart);
      } else if (keepLayout) {
        if (s != e) {
          sentences += SentenceTerminals.count(line, 0, line.length());
        }
        out.append(line);
        if (lineEnd < n) {
          out.append('\n');
        }
      } else {
        sentences += SentenceTerminals.count(line, 0, line.length());
        changed |= s != lineStart || e != lineEnd;
        if (out.length() > 0) {
          out.append('\n');
        }
        out.append(line);
      }
      lineStart = lineEnd + 1;
    }
    if (!keepLayout && n > 0 && text.charAt(n - 1) == '\n') {
      changed = true; // the joined lines drop the final LF
    }
    if (minSentences > 0 && sentences < minSentences) {
      rejected = true;
      sink.failed(new RuleVerdict(PREFIX + "sentences", sentences, ">= " + minSentences));
    }
    return new Result(changed ? out.toString() : text, rejected, removals.list());
  }

  /** Marks a finding that rejects the whole document (lorem ipsum, curly bracket). */
  private static final String DOCUMENT_REJECT = "";

  /** Rules on the raw words of a line (before citation removal, as datatrove counts them). */
  private String lineRule(String text, int s, int e, String line) {
    if (maxWordLength <= 0) {
      return null;
    }
    int wordStart = -1;
    for (int i = s; i <= e; i++) {
      if (i == e || WordSplitter.isSpace(text.charAt(i))) {
        if (wordStart >= 0 && i - wordStart > maxWordLength) {
          return "too_long_word";
        }
        wordStart = -1;
      } else if (wordStart < 0) {
        wordStart = i;
      }
    }
    return null;
  }

  /** Rules after citation removal, in datatrove's order; DOCUMENT_REJECT for a page-level finding. */
  private String contentRule(String text, int s, int e, String line) {
    if (requireTerminalPunct && !endsWithTerminal(keepLayout ? stripEnd(line) : line)) {
      return "no_terminal_punct";
    }
    if (minWordsPerLine > 0 && countWords(text, s, e) < minWordsPerLine) {
      return "too_few_words";
    }
    String lower = line.toLowerCase(Locale.ROOT);
    if (rejectLoremIpsum && lower.contains("lorem ipsum")) {
      return DOCUMENT_REJECT;
    }
    if (removeJavascript && lower.contains("javascript")) {
      return "javascript";
    }
    if (rejectCurlyBracket && line.indexOf('{') >= 0) {
      return DOCUMENT_REJECT;
    }
    if (removePolicy && containsAny(lower, POLICY_PHRASES)) {
      return "policy";
    }
    return null;
  }

  /** Which page-level rule a line that rejected the document hit (lorem ipsum is checked first). */
  private String lastDocumentRule(String line) {
    return rejectLoremIpsum && line.toLowerCase(Locale.ROOT).contains("lorem ipsum") ? "lorem_ipsum" : "curly_bracket";
  }

  private static int countWords(String text, int s, int e) {
    int words = 0;
    boolean inWord = false;
    for (int i = s; i < e; i++) {
      boolean space = WordSplitter.isSpace(text.charAt(i));
      if (!space && !inWord) {
        words++;
      }
      inWord = !space;
    }
    return words;
  }

  private static String stripEnd(String line) {
    int e = line.length();
    while (e > 0 && WordSplitter.isSpace(line.charAt(e - 1))) {
      e--;
    }
    return e == line.length() ? line : line.substring(0, e);
  }

  /** C4's terminal marks: . ? ! " ' at the end, but not an ellipsis "...". */
  private static boolean endsWithTerminal(String line) {
    if (line.isEmpty()) {
      return false;
    }
    char last = line.charAt(line.length() - 1);
    boolean terminal = last == '.' || last == '?' || last == '!' || last == '"' || last == '\'';
    return terminal && !line.endsWith("...");
  }

  private static boolean containsAny(String lower, String[] phrases) {
    if (lower.indexOf("cookie") < 0 && lower.indexOf("terms of use") < 0 && lower.indexOf("privacy policy") < 0) {
      return false;
    }
    for (String phrase : phrases) {
      if (lower.contains(phrase)) {
        return true;
      }
    }
    return false;
  }

  /** Sums removals per rule, in first-seen order. */
  private static final class Removals {
    private final List<String> rules = new ArrayList<>(4);
    private final List<int[]> totals = new ArrayList<>(4);

    void add(String rule, int lines, int chars) {
      int i = rules.indexOf(rule);
      if (i < 0) {
        rules.add(rule);
        totals.add(new int[] {lines, chars});
      } else {
        totals.get(i)[0] += lines;
        totals.get(i)[1] += chars;
      }
    }

    List<QualityFilters.LineRemoval> list() {
      if (rules.isEmpty()) {
        return List.of();
      }
      List<QualityFilters.LineRemoval> list = new ArrayList<>(rules.size());
      for (int i = 0; i < rules.size(); i++) {
        list.add(new QualityFilters.LineRemoval(PREFIX + rules.get(i), totals.get(i)[0], totals.get(i)[1]));
      }
      return List.copyOf(list);
    }
  }

  /** Wikipedia-style markers: [12], [], [edit], [citation needed]; case-sensitive, as datatrove. */
  static final class Citations {
    private Citations() {}

    static String remove(String line) {
      StringBuilder out = null;
      int copied = 0;
      int i = line.indexOf('[');
      while (i >= 0) {
        int end = markerEnd(line, i);
        if (end > 0) {
          if (out == null) {
            out = new StringBuilder(line.length());
          }
          out.append(line, copied, i);
          copied = end;
          i = line.indexOf('[', end);
        } else {
          i = line.indexOf('[', i + 1);
        }
      }
      if (out == null) {
        return line;
      }
      return out.append(line, copied, line.length()).toString();
    }

    /** End (exclusive) of a marker starting at the '[' at i, or -1. */
    private static int markerEnd(String line, int i) {
      int j = i + 1;
      while (j < line.length() && line.charAt(j) >= '0' && line.charAt(j) <= '9') {
        j++;
      }
      if (j < line.length() && line.charAt(j) == ']') {
        return j + 1;
      }
      if (line.startsWith("edit]", i + 1)) {
        return i + 6;
      }
      if (line.startsWith("citation needed]", i + 1)) {
        return i + 17;
      }
      return -1;
    }
  }
}
