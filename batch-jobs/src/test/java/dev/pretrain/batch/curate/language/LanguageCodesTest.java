package dev.pretrain.batch.curate.language;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LanguageCodesTest {

  @Test
  void everySpellingOfEnglishIsEng() {
    for (String code : new String[] {"en", "EN", "eng", "ENG", "en-US", "en_GB", "en-Latn-US", " en "}) {
      assertEquals("eng", LanguageCodes.toIso6393(code), code);
      assertTrue(LanguageCodes.sameLanguage(code, "en"), code);
      assertTrue(LanguageCodes.sameLanguage(code, "eng"), code);
    }
  }

  @Test
  void bibliographicCodesMapToTerminologyOnes() {
    assertEquals("deu", LanguageCodes.toIso6393("de"));
    assertEquals("deu", LanguageCodes.toIso6393("deu"));
    assertEquals("deu", LanguageCodes.toIso6393("ger"));
    assertTrue(LanguageCodes.sameLanguage("ger", "de"));
    assertTrue(LanguageCodes.sameLanguage("fre", "fra"));
    assertEquals("zho", LanguageCodes.toIso6393("chi"));
  }

  @Test
  void portugueseOfBrazilIsPortuguese() {
    assertEquals("por", LanguageCodes.toIso6393("pt_BR"));
    assertEquals("por", LanguageCodes.toIso6393("pt-br"));
    assertTrue(LanguageCodes.sameLanguage("pt_BR", "pt"));
    assertTrue(LanguageCodes.sameLanguage("pt_BR", "por"));
    assertFalse(LanguageCodes.sameLanguage("pt_BR", "es"));
  }

  @Test
  void chineseMacrolanguageMatchesItsMembersButMembersDoNotMatchEachOther() {
    assertEquals("zho", LanguageCodes.toIso6393("zh"));
    assertEquals("cmn", LanguageCodes.toIso6393("cmn"));
    assertTrue(LanguageCodes.sameLanguage("zh", "zho"));
    assertTrue(LanguageCodes.sameLanguage("cmn", "zh"));
    assertTrue(LanguageCodes.sameLanguage("zho", "cmn"));
    assertTrue(LanguageCodes.sameLanguage("zh-Hant-TW", "zh"));
    assertTrue(LanguageCodes.sameLanguage("yue", "zh"), "Cantonese is Chinese to a detector that only knows zh");
    assertFalse(LanguageCodes.sameLanguage("yue", "cmn"));
    assertEquals("yue", LanguageCodes.toIso6393("zh-yue"), "BCP-47 extended language subtag");
  }

  @Test
  void norwegianMacrolanguageMatchesBokmalAndNynorskWhichDiffer() {
    assertEquals("nob", LanguageCodes.toIso6393("nb"));
    assertEquals("nor", LanguageCodes.toIso6393("no"));
    assertEquals("nno", LanguageCodes.toIso6393("nn"));
    assertTrue(LanguageCodes.sameLanguage("nb", "nob"));
    assertTrue(LanguageCodes.sameLanguage("no", "nob"));
    assertTrue(LanguageCodes.sameLanguage("nor", "nb"));
    assertTrue(LanguageCodes.sameLanguage("nob", "nor"));
    assertTrue(LanguageCodes.sameLanguage("no", "nn"));
    assertFalse(LanguageCodes.sameLanguage("nob", "nno"));
  }

  @Test
  void malayMeansMalayNotIndonesian() {
    assertTrue(LanguageCodes.sameLanguage("msa", "zsm"));
    assertTrue(LanguageCodes.sameLanguage("zlm", "ms"));
    assertTrue(LanguageCodes.sameLanguage("may", "ms"));
    assertFalse(LanguageCodes.sameLanguage("id", "ms"));
    assertFalse(LanguageCodes.sameLanguage("ind", "msa"));
    assertFalse(LanguageCodes.sameLanguage("min", "msa"));
  }

  @Test
  void otherMacrolanguagesAndLegacyCodes() {
    assertTrue(LanguageCodes.sameLanguage("arb", "ar"));
    assertTrue(LanguageCodes.sameLanguage("pes", "fa"));
    assertTrue(LanguageCodes.sameLanguage("swh", "sw"));
    assertTrue(LanguageCodes.sameLanguage("ekk", "et"));
    assertTrue(LanguageCodes.sameLanguage("sh", "hr"));
    assertFalse(LanguageCodes.sameLanguage("sr", "hr"));
    assertTrue(LanguageCodes.sameLanguage("iw", "he"));
    assertTrue(LanguageCodes.sameLanguage("fil", "tl"));
    assertEquals("ron", LanguageCodes.toIso6393("mo"));
  }

  @Test
  void iso6391IsFoundWhereOneExists() {
    assertEquals("de", LanguageCodes.toIso6391("deu"));
    assertEquals("nb", LanguageCodes.toIso6391("nob"));
    assertEquals("he", LanguageCodes.toIso6391("heb"));
    assertEquals("ro", LanguageCodes.toIso6391("ron"));
    assertNull(LanguageCodes.toIso6391("cmn"));
  }

  @Test
  void unknownAndUndeterminedCodesNeverMatch() {
    assertNull(LanguageCodes.toIso6393(null));
    assertNull(LanguageCodes.toIso6393(""));
    assertNull(LanguageCodes.toIso6393("xx"));
    assertNull(LanguageCodes.toIso6393("english"));
    assertNull(LanguageCodes.toIso6393("x-klingon"));
    assertNull(LanguageCodes.toIso6393("qab"), "reserved for local use");
    assertEquals("und", LanguageCodes.toIso6393("und"));
    assertFalse(LanguageCodes.sameLanguage("und", "und"));
    assertFalse(LanguageCodes.sameLanguage("en", "und"));
    assertFalse(LanguageCodes.sameLanguage(null, "en"));
    assertFalse(LanguageCodes.sameLanguage("xx", "xx"));
  }
}
