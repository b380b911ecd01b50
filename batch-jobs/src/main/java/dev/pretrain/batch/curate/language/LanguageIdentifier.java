package dev.pretrain.batch.curate.language;

import com.carrotsearch.labs.langid.DetectedLanguage;
import com.carrotsearch.labs.langid.LangIdV3;
import com.carrotsearch.labs.langid.Model;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Per-document language identification with langid-java, a Java port of langid.py (Lui and Baldwin's
 * naive Bayes classifier over byte n-grams, 97 languages, its model inside the jar):
 * docs/curation-language.md. The model is loaded once per JVM and shared; each thread classifies with
 * its own small classifier state. A bounded sample of each text is classified, so the cost per
 * document stays flat.
 *
 * <p>Lingua was tried first (the suggestion): its low-accuracy mode cost 0.27 CPU s per MB of
 * the demo corpus even on 300-character samples, and two threads ran slower than one (a lock on its
 * model map), which alone exceeded the curation chain's budget of 0.2 s per MB; langid classifies the
 * same samples in well under 0.01 s per MB.
 */
public final class LanguageIdentifier {

  /** Sample length bound (chars) of {@link #shared()}; chosen from the measurements in the doc. */
  public static final int DEFAULT_SAMPLE_CHARS = 1200;
  /** Windows a long text is sampled with by {@link #shared()}. */
  public static final int DEFAULT_WINDOWS = 3;
  /** Whether {@link #shared()} samples word-like tokens only (see {@link TextSample}). */
  static final boolean DEFAULT_WORDS_ONLY = true;

  /** The margin per character (see {@link #confidence}) that gives 1 - 1/e (0.63); chosen on UDHR. */
  static final double MARGIN_SCALE = 0.14;

  private static final Object SHARED_LOCK = new Object();
  private static volatile LanguageIdentifier shared;

  private final Model model;
  private final ThreadLocal<LangIdV3> classifiers;
  private final int sampleChars;
  private final int windows;
  private final boolean wordsOnly;

  LanguageIdentifier(Model model, int sampleChars, int windows, boolean wordsOnly) {
    if (windows < 1 || sampleChars < windows) {
      throw new IllegalArgumentException("need sampleChars >= windows >= 1, got " + sampleChars + ", " + windows);
    }
    this.model = model;
    this.classifiers = ThreadLocal.withInitial(() -> new LangIdV3(model)); // the classifier holds per-text state
    this.sampleChars = sampleChars;
    this.windows = windows;
    this.wordsOnly = wordsOnly;
  }

  /** The JVM's identifier: every language of the model, a bounded sample of each text. */
  public static LanguageIdentifier shared() {
    LanguageIdentifier identifier = shared;
    if (identifier == null) {
      synchronized (SHARED_LOCK) {
        identifier = shared;
        if (identifier == null) {
          identifier = new LanguageIdentifier(defaultModel(), DEFAULT_SAMPLE_CHARS, DEFAULT_WINDOWS, DEFAULT_WORDS_ONLY);
          shared = identifier;
        }
      }
    }
    return identifier;
  }

  /** langid.py's model as the jar carries it (decompressed on first use, about 0.5 s). */
  static Model defaultModel() {
    return Model.defaultModel();
  }

  /** The ISO 639-3 codes of the languages the model knows. */
  public Set<String> supportedLanguages() {
    Set<String> codes = new TreeSet<>();
    for (String code : model.getDetectedLanguages()) {
      String iso6393 = LanguageCodes.toIso6393(code);
      codes.add(iso6393 == null ? code : iso6393);
    }
    return codes;
  }

  /** The sample length bound: texts longer than this are classified by a sample of at most this many chars. */
  public int sampleChars() {
    return sampleChars;
  }

  int windowCount() {
    return windows;
  }

  /** The language of {@code text}, from its sample; {@code "und"} with confidence 0 when the sample has no letters. */
  public Detection detect(String text) {
    if (text == null || text.isEmpty()) {
      return Detection.UNDETERMINED;
    }
    return classify(TextSample.of(text, sampleChars, windows, wordsOnly));
  }

  /** Classifies {@code sample} as it is (no sampling). */
  Detection classify(String sample) {
    if (!hasLetter(sample)) { // digits and punctuation say nothing about a language
      return Detection.UNDETERMINED;
    }
    LangIdV3 langid = classifiers.get();
    langid.reset();
    langid.append(sample);
    // raw log-likelihoods; the normalized ones are near 1 for any long sample, even of a language the
    // model does not know
    List<DetectedLanguage> ranked = langid.rank(false);
    DetectedLanguage best = null;
    double second = Double.NEGATIVE_INFINITY;
    for (DetectedLanguage l : ranked) {
      if (best == null || l.getConfidence() > best.getConfidence()) {
        if (best != null) {
          second = Math.max(second, best.getConfidence());
        }
        best = l;
      } else {
        second = Math.max(second, l.getConfidence());
      }
    }
    if (best == null) {
      return Detection.UNDETERMINED;
    }
    return Detection.of(best.getLangCode(), confidence(best.getConfidence(), second, sample.length()));
  }

  /**
   * How clearly the best language stands out: the log-likelihood margin over the runner-up per
   * character of the sample (length-normalized, so a short and a long sample of one text score alike),
   * mapped to [0, 1) by {@code 1 - exp(-margin / MARGIN_SCALE)}. On UDHR (docs/curation-language.md)
   * right answers have a median margin of 0.85 per character, answers for languages the model does not
   * know 0.07.
   */
  static double confidence(double best, double second, int sampleChars) {
    if (sampleChars <= 0 || Double.isInfinite(second)) {
      return Double.isInfinite(second) && sampleChars > 0 ? 1 : 0;
    }
    double margin = Math.max(0, (best - second) / sampleChars);
    return 1 - Math.exp(-margin / MARGIN_SCALE);
  }

  private static boolean hasLetter(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isLetter(s.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  /**
   * What {@link #detect} found.
   *
   * @param language   ISO 639-1 code where one exists, else ISO 639-3; {@code "und"} when nothing was detected
   * @param iso6393    ISO 639-3 code; {@code "und"} when nothing was detected
   * @param confidence in [0, 1]: how clearly the language stands out from the runner-up (see {@link #confidence})
   */
  public record Detection(String language, String iso6393, double confidence) {

    static final Detection UNDETERMINED =
        new Detection(LanguageCodes.UNDETERMINED, LanguageCodes.UNDETERMINED, 0);

    static Detection of(String code, double confidence) {
      String iso6393 = LanguageCodes.toIso6393(code);
      if (iso6393 == null) {
        iso6393 = code;
      }
      String iso6391 = LanguageCodes.toIso6391(iso6393);
      return new Detection(iso6391 == null ? iso6393 : iso6391, iso6393, confidence);
    }

    /** True when a language was detected ({@code "und"} otherwise). */
    public boolean isDetermined() {
      return !LanguageCodes.UNDETERMINED.equals(language);
    }
  }
}
