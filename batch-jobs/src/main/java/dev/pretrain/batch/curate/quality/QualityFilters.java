package dev.pretrain.batch.curate.quality;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The document quality filters of curation, in the order of datatrove's FineWeb recipe: Gopher
 * repetition, Gopher quality, C4 (which may remove lines), FineWeb. The first failing rule rejects.
 *
 * <p>{@link #prose()} carries datatrove 0.10.1's published defaults (C4 as FineWeb runs it, without the
 * terminal-punctuation line rule); {@link #docs()} is the milder set for code and documentation. See
 * docs/curation-quality.md for every rule, its threshold and the differences from datatrove.
 *
 * <p>Immutable and thread-safe: every call works on its own buffers.
 */
public final class QualityFilters {

  /** datatrove's Gopher stop words. */
  static final List<String> STOP_WORDS = List.of("the", "be", "to", "of", "and", "that", "have", "with");
  static final double OFF = Double.NaN;

  private final String name;
  private final WordSplitter splitter;
  private final GopherRepetitionFilter repetition;
  private final GopherQualityFilter quality;
  private final C4LineFilter c4;
  private final FineWebQualityFilter fineweb;

  QualityFilters(String name, WordSplitter splitter, GopherRepetitionFilter repetition, GopherQualityFilter quality,
      C4LineFilter c4, FineWebQualityFilter fineweb) {
    this.name = name;
    this.splitter = splitter;
    this.repetition = repetition;
    this.quality = quality;
    this.c4 = c4;
    this.fineweb = fineweb;
  }

  /** datatrove's defaults, with C4 as in the FineWeb recipe (filter_no_terminal_punct=False). */
  public static QualityFilters prose() {
    return new QualityFilters("prose", new WordSplitter(STOP_WORDS, false),
        new GopherRepetitionFilter(0.3, 0.2, 0.3, 0.2,
            new double[] {OFF, OFF, 0.20, 0.18, 0.16},
            new double[] {OFF, OFF, OFF, OFF, OFF, 0.15, 0.14, 0.13, 0.12, 0.11, 0.10}),
        new GopherQualityFilter(50, 100_000, 3, 10, 0.1, 0.1, 0.9, 0.3, 0.8, 2),
        new C4LineFilter(1000, true, false, 3, true, true, true, true, 5, false),
        new FineWebQualityFilter(0.12, 0.67, 30, 0.01, 0.3));
  }

  /**
   * For code and documentation (kernel reStructuredText, Python docs, Perl POD): the rules that measure
   * prose layout rather than quality are off or relaxed, runs of one symbol ("=====") are one token, and
   * C4 keeps the layout. The changes and the counts behind them are in docs/curation-quality.md.
   */
  public static QualityFilters docs() {
    return new QualityFilters("docs", new WordSplitter(STOP_WORDS, true),
        new GopherRepetitionFilter(0.5, 0.2, 0.5, 0.2,
            new double[] {OFF, OFF, 0.20, 0.18, 0.16},
            new double[] {OFF, OFF, OFF, OFF, OFF, 0.30, 0.28, 0.26, 0.24, 0.22, 0.20}),
        new GopherQualityFilter(50, 100_000, 3, 10, OFF, 0.1, OFF, 0.3, 0.5, 2),
        new C4LineFilter(1000, false, false, 0, true, false, false, false, 5, true),
        new FineWebQualityFilter(OFF, OFF, 30, 0.2, 0.3));
  }

  public String name() {
    return name;
  }

  /** Runs the filters in order; the first failing rule rejects. */
  public Outcome apply(String text) {
    Objects.requireNonNull(text, "text");
    RuleVerdict[] first = new RuleVerdict[1];
    VerdictSink stop = v -> {
      first[0] = v;
      return false;
    };
    Words words = splitter.split(text);
    if (!repetition.check(text, words, stop) || !quality.check(text, words, stop)) {
      return new Outcome(text, first[0], List.of());
    }
    C4LineFilter.Result lines = c4.apply(text, stop);
    if (lines.rejected()) {
      return new Outcome(lines.text(), first[0], lines.removals());
    }
    int wordCount = lines.text() == text ? words.count : splitter.split(lines.text()).count;
    fineweb.check(lines.text(), wordCount, stop);
    return new Outcome(lines.text(), first[0], lines.removals());
  }

  /**
   * Every rule the text fails, each once, each filter measured on its own (C4's page-level findings do not
   * stop it; FineWeb sees C4's filtered text). For measuring rules, not for deciding.
   */
  List<RuleVerdict> allFailures(String text) {
    Map<String, RuleVerdict> failures = new LinkedHashMap<>();
    VerdictSink collect = v -> {
      failures.putIfAbsent(v.rule(), v);
      return true;
    };
    Words words = splitter.split(text);
    repetition.check(text, words, collect);
    quality.check(text, words, collect);
    C4LineFilter.Result lines = c4.apply(text, collect);
    int wordCount = lines.text() == text ? words.count : splitter.split(lines.text()).count;
    fineweb.check(lines.text(), wordCount, collect);
    return new ArrayList<>(failures.values());
  }

  /**
   * What the filters decided for one text.
   *
   * @param text the text after C4's line removals (the input itself when no line went)
   * @param rejection the first failed rule, null when the document is kept
   * @param removals C4's line removals per rule (empty when none)
   */
  public record Outcome(String text, RuleVerdict rejection, List<LineRemoval> removals) {
    public Outcome {
      removals = List.copyOf(removals);
    }

    public boolean rejected() {
      return rejection != null;
    }
  }

  /**
   * Lines C4 removed under one rule (e.g. {@code c4.javascript}) and their characters, line breaks not
   * counted. {@code c4.citation} counts lines whose markers were cut out and the characters cut.
   */
  public record LineRemoval(String rule, int lines, int chars) {}
}
