package dev.pretrain.batch.curate.language;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.MissingResourceException;
import java.util.Set;

/**
 * Language codes as documents declare them (ISO 639-1, 639-2/B or /T, 639-3, BCP-47 tags such as
 * {@code en-US} or {@code pt_BR}, any case) brought to ISO 639-3, and compared with a detected code.
 *
 * <p>Three-letter codes are taken as ISO 639-3 without checking them against the registry (only
 * their form, the reserved local-use range and the special codes are checked); two-letter codes are
 * those the JDK knows. Macrolanguages: a macrolanguage code and the code of one of its members name
 * the same language (a document declared {@code zho} may be detected as {@code cmn}, one declared
 * {@code nor} as {@code nob}); two members of one macrolanguage do not ({@code nob}/{@code nno},
 * {@code cmn}/{@code yue}). The membership table lists the macrolanguages that detectors and
 * document metadata commonly use, not all of ISO 639-3's, and for Malay ({@code msa}) only Malay
 * itself ({@code zsm}, {@code zlm}), not the other Malayic languages ISO 639-3 puts under it.
 */
public final class LanguageCodes {

  /** What detection answers when it found nothing; also ISO 639-3's code for "undetermined". */
  public static final String UNDETERMINED = "und";

  // ISO 639-2 bibliographic codes and their terminology (= ISO 639-3) twins
  private static final Map<String, String> BIBLIOGRAPHIC = Map.ofEntries(
      Map.entry("alb", "sqi"), Map.entry("arm", "hye"), Map.entry("baq", "eus"), Map.entry("bur", "mya"),
      Map.entry("chi", "zho"), Map.entry("cze", "ces"), Map.entry("dut", "nld"), Map.entry("fre", "fra"),
      Map.entry("geo", "kat"), Map.entry("ger", "deu"), Map.entry("gre", "ell"), Map.entry("ice", "isl"),
      Map.entry("mac", "mkd"), Map.entry("mao", "mri"), Map.entry("may", "msa"), Map.entry("per", "fas"),
      Map.entry("rum", "ron"), Map.entry("slo", "slk"), Map.entry("tib", "bod"), Map.entry("wel", "cym"),
      // retired codes still found in metadata
      Map.entry("mol", "ron"), Map.entry("scc", "srp"), Map.entry("scr", "hrv"));

  // two-letter codes the JDK does not map (withdrawn from ISO 639-1, still in use)
  private static final Map<String, String> TWO_LETTER_EXTRA = Map.of("sh", "hbs", "mo", "ron");

  // macrolanguage -> its members (ISO 639-3 macrolanguage mappings; the subset described above)
  private static final Map<String, Set<String>> MACROLANGUAGES = Map.ofEntries(
      Map.entry("ara", Set.of("aao", "abh", "abv", "acm", "acq", "acw", "acx", "acy", "adf", "aeb", "aec", "afb",
          "ajp", "apc", "apd", "arb", "arq", "ars", "ary", "arz", "auz", "avl", "ayh", "ayl", "ayn", "ayp", "pga",
          "shu", "ssh")),
      Map.entry("aym", Set.of("ayc", "ayr")),
      Map.entry("aze", Set.of("azb", "azj")),
      Map.entry("est", Set.of("ekk", "vro")),
      Map.entry("fas", Set.of("pes", "prs")),
      Map.entry("ful", Set.of("ffm", "fub", "fuc", "fue", "fuf", "fuh", "fui", "fuq", "fuv")),
      Map.entry("grn", Set.of("gnw", "gug", "gui", "gun", "nhd")),
      Map.entry("hbs", Set.of("bos", "cnr", "hrv", "srp")),
      Map.entry("iku", Set.of("ike", "ikt")),
      Map.entry("kok", Set.of("gom", "knn")),
      Map.entry("kur", Set.of("ckb", "kmr", "sdh")),
      Map.entry("lav", Set.of("ltg", "lvs")),
      Map.entry("mlg", Set.of("bhr", "bjq", "bmm", "bzc", "msh", "plt", "skg", "tdx", "tkg", "txy", "xmv", "xmw")),
      Map.entry("mon", Set.of("khk", "mvf")),
      // only Malay itself: msa's other members (Indonesian, Minangkabau, Banjar, ...) are written languages of
      // their own, and a detector's "msa" means Malay
      Map.entry("msa", Set.of("zlm", "zsm")),
      Map.entry("nor", Set.of("nno", "nob")),
      Map.entry("ori", Set.of("ory", "spv")),
      Map.entry("pus", Set.of("pbt", "pbu", "pst")),
      Map.entry("que", Set.of("cqu", "qub", "qud", "quf", "qug", "quh", "quk", "qul", "qup", "qur", "qus", "quw",
          "qux", "quy", "quz", "qva", "qvc", "qve", "qvh", "qvi", "qvj", "qvl", "qvm", "qvn", "qvo", "qvp", "qvs",
          "qvw", "qvz", "qwa", "qwc", "qwh", "qws", "qxa", "qxc", "qxh", "qxl", "qxn", "qxo", "qxp", "qxr", "qxt",
          "qxu", "qxw")),
      Map.entry("sqi", Set.of("aae", "aat", "aln", "als")),
      Map.entry("srd", Set.of("sdc", "sdn", "src", "sro")),
      Map.entry("swa", Set.of("swc", "swh")),
      Map.entry("uzb", Set.of("uzn", "uzs")),
      Map.entry("yid", Set.of("ydd", "yih")),
      Map.entry("zho", Set.of("cdo", "cjy", "cmn", "cnp", "cpx", "csp", "czh", "czo", "gan", "hak", "hsn", "lzh",
          "mnp", "nan", "wuu", "yue")),
      Map.entry("zza", Set.of("diq", "kiu")));

  // the same standard under two codes
  private static final Map<String, String> EQUIVALENT = Map.of("fil", "tgl");

  private static final Map<String, String> MEMBER_TO_MACRO = memberToMacro();
  private static final Map<String, String> ISO3_TO_ISO1 = iso3ToIso1();

  private LanguageCodes() {}

  /**
   * The ISO 639-3 code of {@code code}: {@code "en"}, {@code "EN"}, {@code "eng"} and {@code "en-US"} give
   * {@code "eng"}; {@code "ger"} gives {@code "deu"}; an extended language subtag wins over its prefix
   * ({@code "zh-yue"} gives {@code "yue"}); {@code "und"} stays {@code "und"}.
   *
   * @return null for null, blank or malformed input, an unknown two-letter code, a private-use tag, or
   *     ISO 639's reserved local-use range ({@code qaa}–{@code qtz})
   */
  public static String toIso6393(String code) {
    if (code == null) {
      return null;
    }
    String[] subtags = code.trim().toLowerCase(Locale.ROOT).split("[-_]", -1);
    String primary = subtags[0];
    if (subtags.length > 1 && subtags[1].matches("[a-z]{3}") && primary.matches("[a-z]{2,3}")) {
      primary = subtags[1]; // BCP-47 extlang: zh-yue, ar-arz
    }
    if (primary.matches("[a-z]{2}")) {
      return twoLetterToIso6393(primary);
    }
    if (!primary.matches("[a-z]{3}") || isLocalUse(primary)) {
      return null;
    }
    return BIBLIOGRAPHIC.getOrDefault(primary, primary);
  }

  /** The ISO 639-1 code of an ISO 639-3 code where one exists ({@code "deu"} gives {@code "de"}), else null. */
  public static String toIso6391(String iso6393) {
    return iso6393 == null ? null : ISO3_TO_ISO1.get(iso6393);
  }

  /**
   * True when a declared code and a detected one name the same language: equal after {@link
   * #toIso6393}, or one is a macrolanguage and the other one of its members (see the class comment).
   * False when either is unknown or {@code "und"}.
   */
  public static boolean sameLanguage(String declared, String detected) {
    String a = canonical(toIso6393(declared));
    String b = canonical(toIso6393(detected));
    if (a == null || b == null || a.equals(UNDETERMINED) || b.equals(UNDETERMINED)) {
      return false;
    }
    return a.equals(b) || isMemberOf(a, b) || isMemberOf(b, a);
  }

  private static boolean isMemberOf(String member, String macro) {
    return macro.equals(MEMBER_TO_MACRO.get(member));
  }

  private static String canonical(String iso6393) {
    return iso6393 == null ? null : EQUIVALENT.getOrDefault(iso6393, iso6393);
  }

  private static String twoLetterToIso6393(String twoLetter) {
    String extra = TWO_LETTER_EXTRA.get(twoLetter);
    if (extra != null) {
      return extra;
    }
    try {
      String iso3 = new Locale(twoLetter).getISO3Language();
      return iso3.isEmpty() ? null : BIBLIOGRAPHIC.getOrDefault(iso3, iso3);
    } catch (MissingResourceException unknown) {
      return null;
    }
  }

  private static boolean isLocalUse(String threeLetter) {
    return threeLetter.compareTo("qaa") >= 0 && threeLetter.compareTo("qtz") <= 0;
  }

  private static Map<String, String> memberToMacro() {
    Map<String, String> byMember = new HashMap<>();
    MACROLANGUAGES.forEach((macro, members) -> members.forEach(member -> byMember.put(member, macro)));
    return Map.copyOf(byMember);
  }

  private static Map<String, String> iso3ToIso1() {
    Map<String, String> byIso3 = new HashMap<>();
    for (String twoLetter : Locale.getISOLanguages()) {
      if (TWO_LETTER_EXTRA.containsKey(twoLetter)) {
        continue; // withdrawn: "mo" is not Romanian's code
      }
      String iso3 = twoLetterToIso6393(twoLetter);
      if (iso3 != null) {
        byIso3.putIfAbsent(iso3, twoLetter);
      }
    }
    return Map.copyOf(byIso3);
  }
}
