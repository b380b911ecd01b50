package dev.pretrain.batch.curate.language;

import com.github.pemistahl.lingua.api.IsoCode639_1;
import com.github.pemistahl.lingua.api.Language;
import com.github.pemistahl.lingua.api.LanguageDetector;
import com.github.pemistahl.lingua.api.LanguageDetectorBuilder;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;

/**
 * Per-document language identification with Lingua (docs/curation-language.md): one detector per JVM,
 * loaded on first use and shared by all threads, classifying a bounded sample of each text so the
 * cost per document stays flat.
 */
public final class LanguageIdentifier {

  /** Sample length bound (chars) of {@link #shared()}; chosen from the measurements in the doc. */
  public static final int DEFAULT_SAMPLE_CHARS = 300;
  /** Windows a long text is sampled with by {@link #shared()}. */
  public static final int DEFAULT_WINDOWS = 3;
  /** Whether {@link #shared()} samples word-like tokens only (see {@link TextSample}). */
  static final boolean DEFAULT_WORDS_ONLY = true;

  /**
   * The relative margin between the best and the second-best language (see {@link #confidence}) that
   * gives a confidence of 1 - 1/e (0.63); chosen on UDHR (docs/curation-language.md).
   */
  static final double MARGIN_SCALE = 0.075;

  private static final Object SHARED_LOCK = new Object();
  private static volatile LanguageIdentifier shared;

  private final LanguageDetector detector;
  private final int sampleChars;
  private final int windows;
  private final boolean wordsOnly;

  LanguageIdentifier(LanguageDetector detector, int sampleChars, int windows, boolean wordsOnly) {
    if (windows < 1 || sampleChars < windows) {
      throw new IllegalArgumentException("need sampleChars >= windows >= 1, got " + sampleChars + ", " + windows);
    }
    this.detector = detector;
    this.sampleChars = sampleChars;
    this.windows = windows;
    this.wordsOnly = wordsOnly;
  }

  /**
   * The JVM's identifier: low-accuracy mode, all languages Lingua knows, classifying a bounded sample
   * of each text. The first call loads the models (4-7 s measured, about 80 MB of heap); later calls
   * return the same instance.
   */
  public static LanguageIdentifier shared() {
    LanguageIdentifier identifier = shared;
    if (identifier == null) {
      synchronized (SHARED_LOCK) {
        identifier = shared;
        if (identifier == null) {
          identifier = new LanguageIdentifier(lowAccuracyDetector(), DEFAULT_SAMPLE_CHARS, DEFAULT_WINDOWS,
              DEFAULT_WORDS_ONLY);
          shared = identifier;
        }
      }
    }
    return identifier;
  }

  /**
   * All languages, low-accuracy mode (trigram models only), models loaded now rather than by the
   * first documents, so the load time is paid once, in {@link #shared()}.
   */
  static LanguageDetector lowAccuracyDetector() {
    return LanguageDetectorBuilder.fromAllLanguages().withLowAccuracyMode().withPreloadedLanguageModels().build();
  }

  /** All languages, high-accuracy mode (1- to 5-gram models), models loaded now. */
  static LanguageDetector highAccuracyDetector() {
    return LanguageDetectorBuilder.fromAllLanguages().withPreloadedLanguageModels().build();
  }

  /** The sample length bound: texts longer than this are classified by a sample of at most this many chars. */
  public int sampleChars() {
    return sampleChars;
  }

  int windowCount() {
    return windows;
  }

  /** The language of {@code text}, from its sample; {@code "und"} with confidence 0 when no language stands out. */
  public Detection detect(String text) {
    if (text == null || text.isEmpty()) {
      return Detection.UNDETERMINED;
    }
    return classify(TextSample.of(text, sampleChars, windows, wordsOnly));
  }


  /** Classifies {@code sample} as it is (no sampling). */
  Detection classify(String sample) {
    SortedMap<Language, Double> values = detector.computeLanguageConfidenceValues(sample);
    Iterator<Map.Entry<Language, Double>> ranked = values.entrySet().iterator();
    if (!ranked.hasNext()) {
      return Detection.UNDETERMINED;
    }
    Map.Entry<Language, Double> best = ranked.next();
    // no runner-up: Lingua's rules decided (a letter or script only this language has among its languages)
    double confidence = ranked.hasNext() ? confidence(best.getValue(), ranked.next().getValue()) : 1;
    if (best.getKey() == Language.UNKNOWN || confidence == 0) {
      return Detection.UNDETERMINED;
    }
    return Detection.of(best.getKey(), confidence);
  }

  /**
   * Lingua's values are relative: the best language gets 1 and every other one the ratio of the
   * best log-likelihood to its own, so the best value says nothing about certainty. What does is
   * how far the runner-up falls behind: {@code 1 - second/best} is the log-likelihood gap relative
   * to the runner-up's, about the same for a short and a long sample of one text. It is mapped to
   * [0, 1) by {@code 1 - exp(-margin / MARGIN_SCALE)}. (A language decided by Lingua's rules has no
   * runner-up; {@link #classify} gives it 1.)
   */
  static double confidence(double best, double second) {
    if (best <= 0) {
      return 0;
    }
    double margin = Math.max(0, 1 - second / best);
    return 1 - Math.exp(-margin / MARGIN_SCALE);
  }

  /**
   * What {@link #detect} found.
   *
   * @param language   ISO 639-1 code where one exists, else ISO 639-3; {@code "und"} when nothing was detected
   * @param iso6393    ISO 639-3 code; {@code "und"} when nothing was detected
   * @param confidence in [0, 1]: how clearly the language stands out from the runner-up (see the doc)
   */
  public record Detection(String language, String iso6393, double confidence) {

    static final Detection UNDETERMINED =
        new Detection(LanguageCodes.UNDETERMINED, LanguageCodes.UNDETERMINED, 0);

    static Detection of(Language language, double confidence) {
      String iso6393 = language.getIsoCode639_3().name().toLowerCase(Locale.ROOT);
      IsoCode639_1 iso6391 = language.getIsoCode639_1();
      String code = iso6391 == IsoCode639_1.NONE ? iso6393 : iso6391.name().toLowerCase(Locale.ROOT);
      return new Detection(code, iso6393, confidence);
    }

    /** True when a language was detected ({@code "und"} otherwise). */
    public boolean isDetermined() {
      return !LanguageCodes.UNDETERMINED.equals(language);
    }
  }
}
