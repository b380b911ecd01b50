package dev.pretrain.batch.curate.language;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pretrain.batch.curate.language.LanguageIdentifier.Detection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class LanguageIdentifierTest {

  private static final Map<String, String> PARAGRAPHS = Map.of(
      "en", "The committee met on Tuesday to review the budget for the coming year. Most members agreed that the"
          + " library needs a new roof before winter, but nobody could say where the money should come from.",
      "de", "Der Ausschuss traf sich am Dienstag, um den Haushalt für das kommende Jahr zu prüfen. Die meisten"
          + " Mitglieder waren sich einig, dass die Bibliothek vor dem Winter ein neues Dach braucht.",
      "fr", "Le comité s'est réuni mardi pour examiner le budget de l'année prochaine. La plupart des membres"
          + " étaient d'accord pour dire que la bibliothèque a besoin d'un nouveau toit avant l'hiver.",
      "ru", "Комитет собрался во вторник, чтобы рассмотреть бюджет на следующий год. Большинство членов"
          + " согласились, что библиотеке до зимы нужна новая крыша, но никто не знал, где взять деньги.",
      "ja", "委員会は火曜日に集まり、来年の予算について話し合った。多くの委員は、冬が来る前に図書館の屋根を"
          + "新しくする必要があると考えたが、その費用をどこから出すのかは誰にも分からなかった。");

  private static final Map<String, String> ISO6393 =
      Map.of("en", "eng", "de", "deu", "fr", "fra", "ru", "rus", "ja", "jpn");

  @Test
  void shortParagraphsOfFiveLanguagesAreDetectedConfidently() {
    LanguageIdentifier identifier = LanguageIdentifier.shared();
    PARAGRAPHS.forEach((language, text) -> {
      Detection detection = identifier.detect(text);
      assertEquals(language, detection.language(), text);
      assertEquals(ISO6393.get(language), detection.iso6393(), text);
      assertTrue(detection.confidence() >= 0.65 && detection.confidence() <= 1, detection.toString());
      assertTrue(detection.isDetermined());
    });
  }

  @Test
  void knowsTheLanguagesOfLangidPy() {
    java.util.Set<String> known = LanguageIdentifier.shared().supportedLanguages();
    assertEquals(97, known.size(), known.toString());
    assertTrue(known.containsAll(java.util.List.of("eng", "deu", "fra", "rus", "jpn", "zho", "swa", "que")), known.toString());
  }

  @Test
  void digitsAndPunctuationAloneAreUndetermined() {
    LanguageIdentifier identifier = LanguageIdentifier.shared();
    for (String text : new String[] {"", "   ", "12345 678.90, 42; -- (1999) !!! ???", "3.14159 2.71828\n1/2 = 0.5"}) {
      Detection detection = identifier.detect(text);
      assertEquals(new Detection("und", "und", 0), detection, "'" + text + "'");
      assertFalse(detection.isDetermined());
    }
  }

  @Test
  void aLongDocumentIsClassifiedFromItsSample() {
    LanguageIdentifier identifier = LanguageIdentifier.shared();
    // 600 KB of French with German only in the middle third: the sample's middle window is German,
    // its first and last windows French, and French wins
    String french = (PARAGRAPHS.get("fr") + "\n").repeat(1000);
    String german = (PARAGRAPHS.get("de") + "\n").repeat(1000);
    Detection detection = identifier.detect(french + german + french);
    assertEquals("fr", detection.language());
    assertEquals(LanguageIdentifier.DEFAULT_SAMPLE_CHARS, identifier.sampleChars());
  }

  @Test
  void theSharedIdentifierIsOnePerJvmAndSafeToUseFromManyThreads() throws Exception {
    LanguageIdentifier identifier = LanguageIdentifier.shared();
    assertSame(identifier, LanguageIdentifier.shared());
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Detection>> futures = new ArrayList<>();
      List<String> expected = new ArrayList<>();
      for (int round = 0; round < 25; round++) {
        for (Map.Entry<String, String> paragraph : PARAGRAPHS.entrySet()) {
          futures.add(pool.submit(() -> identifier.detect(paragraph.getValue())));
          expected.add(paragraph.getKey());
        }
      }
      for (int i = 0; i < futures.size(); i++) {
        assertEquals(expected.get(i), futures.get(i).get().language());
      }
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void confidenceIsLowerForAMixedTextThanForAPlainOne() {
    LanguageIdentifier identifier = LanguageIdentifier.shared();
    double plain = identifier.detect(PARAGRAPHS.get("en")).confidence();
    double mixed = identifier.detect("Der Ausschuss traf sich. The committee met on Tuesday.").confidence();
    assertTrue(plain > mixed, plain + " vs " + mixed);
  }
}
