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
  void aLanguageDecidedByItsScriptHasConfidenceOne() {
    // kana occur in Japanese only, among Lingua's languages: its rules decide without a runner-up
    assertEquals(new Detection("ja", "jpn", 1.0), LanguageIdentifier.shared().detect(PARAGRAPHS.get("ja")));
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
    // 600 KB of German with English only in the middle third: the sample's middle window is English,
    // its first and last windows German, and German wins
    String german = (PARAGRAPHS.get("de") + "\n").repeat(1000);
    String english = (PARAGRAPHS.get("en") + "\n").repeat(1000);
    Detection detection = identifier.detect(german + english + german);
    assertEquals("de", detection.language());
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
  void confidenceGrowsWithTheMarginOverTheRunnerUp() {
    assertTrue(LanguageIdentifier.confidence(1.0, 0.01) > 0.99999, "a runner-up far behind");
    assertEquals(0.0, LanguageIdentifier.confidence(1.0, 1.0), 1e-12, "a tie");
    assertEquals(1 - Math.exp(-1), LanguageIdentifier.confidence(1.0, 1 - LanguageIdentifier.MARGIN_SCALE), 1e-9);
    assertTrue(LanguageIdentifier.confidence(1.0, 0.9) < LanguageIdentifier.confidence(1.0, 0.8));
    assertEquals(0.0, LanguageIdentifier.confidence(0, 0), 1e-12);
  }
}
