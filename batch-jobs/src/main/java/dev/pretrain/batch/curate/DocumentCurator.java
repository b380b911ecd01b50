package dev.pretrain.batch.curate;

import dev.pretrain.batch.curate.language.LanguageCodes;
import dev.pretrain.batch.curate.language.LanguageIdentifier;
import dev.pretrain.batch.curate.pii.PiiRedactor;
import dev.pretrain.batch.curate.quality.QualityFilters;
import dev.pretrain.batch.curate.quality.RuleVerdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * The curation of one document, in datatrove's order: language identification, quality filters, PII
 * redaction. Returns the (possibly changed) text, the rule that removed the document if one did, and a
 * note for everything measured or done, so that lineage can say why. Thread-safe; no I/O.
 *
 * <p>The quality filters' rules are written for English (Gopher's stop words, word lengths): a document
 * identified as another language skips them, and the skip is noted; documents in no identified language
 * ("und") are filtered, since most of them are markup, tables or noise.
 */
public final class DocumentCurator {

  /** Content kinds that get the milder rule set for code and documentation. */
  public static final Set<String> DOCS_KINDS = Set.of("docs", "code");
  public static final String UNDETERMINED = "und";

  /**
   * @param text        the document's text after curation (the input itself when nothing changed)
   * @param rejection   the rule that removed the document, or null when it is kept
   * @param notes       every rule that measured or acted (the rejection included), in order
   * @param piiReplaced PII spans replaced
   * @param ruleSet     the quality rule set applied ("prose", "docs"), or null when none was
   */
  public record Result(String text, CurationNote rejection, List<CurationNote> notes, int piiReplaced, String ruleSet) {
    public boolean rejected() {
      return rejection != null;
    }
  }

  private final CurationSettings settings;
  private final Function<String, String> contentKind;
  private final QualityFilters prose = QualityFilters.prose();
  private final QualityFilters docs = QualityFilters.docs();
  private final LanguageIdentifier languages;
  private final PiiRedactor pii = PiiRedactor.standard();

  /** @param contentKind what a source holds as its corpus entry declares (prose, docs, code), or null */
  public DocumentCurator(CurationSettings settings, Function<String, String> contentKind) {
    this.settings = settings;
    this.contentKind = contentKind;
    this.languages = settings.languageId() ? LanguageIdentifier.shared() : null;
  }

  public Result curate(String source, String declaredLanguage, String text) {
    List<CurationNote> notes = new ArrayList<>(4);
    String lang = null;
    if (languages != null) {
      LanguageIdentifier.Detection d = languages.detect(text);
      boolean sure = !UNDETERMINED.equals(d.language()) && d.confidence() >= settings.minLanguageConfidence();
      lang = sure ? d.language() : UNDETERMINED;
      String threshold = ">= " + CurationNote.format(settings.minLanguageConfidence());
      notes.add(new CurationNote("language.detected", "detected", d.confidence(), threshold,
          sure ? lang : UNDETERMINED + (UNDETERMINED.equals(d.language()) ? "" : " (best guess " + d.language() + ")")));
      if (sure && declaredLanguage != null && !UNDETERMINED.equalsIgnoreCase(declaredLanguage)
          && !LanguageCodes.sameLanguage(declaredLanguage, lang)) {
        notes.add(new CurationNote("language.mismatch", "mismatch", d.confidence(), null,
            "declared " + declaredLanguage + ", detected " + lang));
      }
      if (!settings.languages().isEmpty()) {
        CurationNote reject = null;
        if (!sure) {
          reject = new CurationNote("language.low_confidence", "rejected", d.confidence(), threshold,
              "no language identified with enough confidence; kept languages: " + settings.languages());
        } else if (settings.languages().stream().noneMatch(l -> LanguageCodes.sameLanguage(l, d.language()))) {
          reject = new CurationNote("language.not_kept", "rejected", d.confidence(), null,
              "detected " + lang + "; kept languages: " + settings.languages());
        }
        if (reject != null) {
          notes.add(reject);
          return new Result(text, reject, notes, 0, null);
        }
      }
    }
    String ruleSet = null;
    if (settings.filters()) {
      if (lang == null || lang.equals(UNDETERMINED) || LanguageCodes.sameLanguage("en", lang)) {
        QualityFilters filters = usesDocsRules(source) ? docs : prose;
        ruleSet = filters.name();
        QualityFilters.Outcome o = filters.apply(text);
        if (o.rejected()) {
          RuleVerdict v = o.rejection();
          // the language says which rules applied: an undetermined one gets the English rules too
          CurationNote reject = new CurationNote(v.rule(), "rejected", v.measured(), v.threshold(),
              "rule set " + ruleSet + (lang == null ? "" : "; language " + notes.get(0).detail() + " at "
                  + CurationNote.format(notes.get(0).measured())));
          notes.add(reject);
          return new Result(text, reject, notes, 0, ruleSet);
        }
        for (QualityFilters.LineRemoval r : o.removals()) {
          notes.add(new CurationNote(r.rule(), "removed-lines", (double) r.lines(), null,
              r.lines() + (r.lines() == 1 ? " line, " : " lines, ") + r.chars() + " characters removed"));
        }
        text = o.text();
      } else {
        notes.add(new CurationNote("quality.skipped", "skipped", null, null,
            "quality rules are written for English; document is " + lang));
      }
    }
    int replaced = 0;
    if (settings.pii()) {
      PiiRedactor.Result r = pii.redact(text);
      if (r.changed()) {
        addPii(notes, "pii.email", r.emails());
        addPii(notes, "pii.ipv4", r.ipv4());
        addPii(notes, "pii.ipv6", r.ipv6());
        addPii(notes, "pii.phone", r.phones());
        replaced = r.total();
        text = r.text();
      }
    }
    return new Result(text, null, notes, replaced, ruleSet);
  }

  /** True when a source gets the code-and-documentation rule set. */
  public boolean usesDocsRules(String source) {
    if (settings.docsSources().contains(source)) {
      return true;
    }
    String kind = contentKind == null ? null : contentKind.apply(source);
    return kind != null && DOCS_KINDS.contains(kind.toLowerCase(Locale.ROOT));
  }

  private static void addPii(List<CurationNote> notes, String rule, int n) {
    if (n > 0) {
      notes.add(new CurationNote(rule, "redacted", (double) n, null, n + " replaced"));
    }
  }
}
