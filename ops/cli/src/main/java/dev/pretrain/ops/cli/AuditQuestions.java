package dev.pretrain.ops.cli;

import dev.pretrain.db.Database;
import dev.pretrain.db.artifacts.ArtifactRepository.Artifact;
import dev.pretrain.db.curation.CurationRepository;
import dev.pretrain.db.curation.CurationRepository.RuleDecision;
import dev.pretrain.db.lineage.AuditQueries;
import dev.pretrain.db.lineage.AuditQueries.RunDocumentRow;
import dev.pretrain.db.lineage.AuditQueries.SourceHolder;
import dev.pretrain.db.lineage.DedupKind;
import dev.pretrain.db.lineage.LineageQueries;
import dev.pretrain.db.lineage.LineageQueries.DocDecision;
import dev.pretrain.db.lineage.LineageQueries.Holding;
import dev.pretrain.ops.report.DecisionExport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The questions an auditor asks of one document, one model or one source, each a subcommand of {@code audit}. */
final class AuditQuestions {

  private AuditQuestions() {}

  static final String MODEL_KIND = "model";

  @Command(name = "where", mixinStandardHelpOptions = true,
      description = "Where a document went: the shards that hold it, its token ranges, the models trained on it and "
          + "what was made from them.")
  static final class Where extends BaseCommand {
    @Parameters(index = "0", paramLabel = "DOC_ID")
    String docId;

    @Override
    public Integer call() {
      try (Database db = openDatabase()) {
        LineageQueries lineage = new LineageQueries(db.jdbc());
        AuditQueries audit = new AuditQueries(db.jdbc());
        List<RunDocumentRow> versions = audit.runVersions(docId);
        if (versions.isEmpty() && lineage.document(docId).isEmpty()) {
          throw new UserError("no document '" + docId + "' in our database");
        }
        List<Holding> holdings = lineage.artifactsHolding(docId);
        List<String> models = holdings.stream().filter(h -> MODEL_KIND.equals(h.kind())).map(Holding::artifactUri).toList();
        List<Artifact> madeFromModels = audit.downstreamOf(models);
        StringBuilder t = new StringBuilder("Document ").append(docId).append('\n');
        for (RunDocumentRow v : versions) {
          t.append(String.format(Locale.ROOT, "  read by run %s from %s line %d (%s, %s, %s): %s at ingest%n", v.runId(),
              v.inputUri(), v.inputLine(), v.source(), v.license(), v.jurisdiction(), v.outcome()));
        }
        t.append("\nHeld by:\n");
        for (Holding h : holdings) {
          t.append(String.format(Locale.ROOT, "  %-9s %-12s %s%s%n", h.step(), h.kind(), h.artifactUri(),
              h.tokenStart() == null ? "" : "  tokens [" + h.tokenStart() + ", " + h.tokenEnd() + ")"));
        }
        t.append("\nModels trained on it: ").append(models.isEmpty() ? "none" : String.join(", ", models)).append('\n');
        for (Artifact a : madeFromModels) {
          t.append("  and made from them: ").append(a.kind()).append(' ').append(a.uri()).append('\n');
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("docId", docId);
        json.put("readBy", versions);
        json.put("heldBy", holdings);
        json.put("models", models);
        json.put("madeFromModels", madeFromModels.stream().map(a -> Map.of("uri", a.uri(), "kind", a.kind(),
            "sha256", a.sha256())).toList());
        emit(t.toString(), json);
        return 0;
      }
    }
  }

  @Command(name = "why", mixinStandardHelpOptions = true,
      description = "Why a document was removed or changed: every decision on it (curation rule with measured value "
          + "and threshold; exact or near-duplicate of its kept twin, with the Jaccard similarity; contaminated, with "
          + "the evaluation document it shares 13-grams with; normalization), per run.")
  static final class Why extends BaseCommand {
    @Parameters(index = "0", paramLabel = "DOC_ID")
    String docId;

    @Override
    public Integer call() {
      try (Database db = openDatabase()) {
        LineageQueries lineage = new LineageQueries(db.jdbc());
        AuditQueries audit = new AuditQueries(db.jdbc());
        CurationRepository curation = new CurationRepository(db.jdbc());
        List<RunDocumentRow> versions = audit.runVersions(docId);
        if (versions.isEmpty() && lineage.document(docId).isEmpty()) {
          throw new UserError("no document '" + docId + "' in our database");
        }
        List<DocDecision> decisions = lineage.decisionsOn(docId);
        Map<String, List<RuleDecision>> rules = new TreeMap<>();
        for (String run : curation.runsWithDecisionsOn(docId)) {
          rules.put(run, curation.decisionsOn(run, docId));
        }
        List<String> keptOver = lineage.twinsDroppedFor(docId);
        StringBuilder t = new StringBuilder("Document ").append(docId).append('\n');
        for (RunDocumentRow v : versions) {
          boolean removed = decisions.stream().anyMatch(d -> d.runId().equals(v.runId()) && isRemoval(d.decision()));
          t.append("  run ").append(v.runId()).append(": ").append(removed || "filtered".equals(v.outcome())
              ? "removed" : "kept").append('\n');
        }
        for (DocDecision d : decisions) {
          t.append("  run ").append(d.runId()).append(' ').append(d.step()).append(": ").append(explain(d))
              .append(d.reason() == null ? "" : " - " + d.reason()).append('\n');
        }
        rules.forEach((run, list) -> {
          for (RuleDecision r : list) {
            t.append(String.format(Locale.ROOT, "  run %s curate: %-9s %-34s %s%s%s%n", run, r.action(), r.rule(),
                r.measured() == null ? "" : "measured " + String.format(Locale.ROOT, "%.4g", r.measured()),
                r.threshold() == null ? "" : ", threshold " + r.threshold(),
                r.detail() == null ? "" : " (" + r.detail() + ")"));
          }
        });
        if (!keptOver.isEmpty()) {
          t.append("  it was kept over its duplicates: ").append(String.join(", ", keptOver)).append('\n');
        }
        if (decisions.isEmpty() && rules.isEmpty()) {
          t.append("  no decision removed or changed it\n");
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("docId", docId);
        json.put("runs", versions);
        json.put("decisions", decisions.stream().map(Why::decisionJson).toList());
        json.put("curation", rules);
        json.put("keptOver", keptOver);
        emit(t.toString(), json);
        return 0;
      }
    }

    private static boolean isRemoval(String decision) {
      return LineageQueries.isRemoval(decision);
    }

    /**
     * A decision in words: for a dedup drop how it was judged a copy ("near-duplicate of X (Jaccard
     * 0.93 exact, 0.91 estimated)", "exact duplicate of X", "contaminated: shares N 13-grams with
     * evaluation document X"), else the decision and, when it names one, the kept twin.
     */
    static String explain(DocDecision d) {
      String kind = d.kind();
      String other = d.relatedDocId();
      if (DedupKind.EXACT.equals(kind)) {
        return "exact duplicate of " + other + ", which was kept";
      }
      if (DedupKind.FUZZY.equals(kind)) {
        List<String> jaccard = new ArrayList<>();
        if (d.jaccardExact() != null) {
          jaccard.add(String.format(Locale.ROOT, "%.2f exact", d.jaccardExact()));
        }
        if (d.jaccardEstimated() != null) {
          jaccard.add(String.format(Locale.ROOT, "%.2f estimated", d.jaccardEstimated()));
        }
        return "near-duplicate of " + other + ", which was kept"
            + (jaccard.isEmpty() ? "" : " (Jaccard " + String.join(", ", jaccard) + ")");
      }
      if (DedupKind.CONTAMINATED.equals(kind)) {
        return "contaminated: shares " + (d.overlapNgrams() == null ? "" : d.overlapNgrams() + " ")
            + DecisionExport.CONTAMINATION_NGRAM + "-grams with evaluation document " + other;
      }
      return d.decision() + (kind == null ? "" : " (" + kind + ")")
          + (other == null ? "" : " (a copy of " + other + ", which was kept)");
    }

    /** The decision's columns, its kind and the Jaccard similarity to quote (null when none), and it in words. */
    private static Map<String, Object> decisionJson(DocDecision d) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("runId", d.runId());
      m.put("step", d.step());
      m.put("decision", d.decision());
      m.put("reason", d.reason());
      m.put("relatedDocId", d.relatedDocId());
      m.put("kind", d.kind());
      m.put("jaccard", d.jaccard());
      m.put("dedupKind", d.dedupKind()); // as recorded: null before V11
      m.put("jaccardEstimated", d.jaccardEstimated());
      m.put("jaccardExact", d.jaccardExact());
      m.put("overlapNgrams", d.overlapNgrams());
      m.put("explanation", explain(d));
      return m;
    }
  }

  @Command(name = "sources", mixinStandardHelpOptions = true,
      description = "Which sources went into a model, with how many documents and tokens per license; filter by "
          + "--license and --jurisdiction (\"which sources of license X or jurisdiction Y went into model M\").")
  static final class Sources extends BaseCommand {
    @Parameters(index = "0", paramLabel = "MODEL_ARTIFACT")
    String uri;

    @Option(names = "--license", paramLabel = "SPDX")
    String license;

    @Option(names = "--jurisdiction", paramLabel = "J")
    String jurisdiction;

    @Override
    public Integer call() {
      try (Database db = openDatabase()) {
        AuditQueries audit = new AuditQueries(db.jdbc());
        AuditQueries.Scope scope = audit.scope(uri).orElseThrow(() -> new UserError("no artifact " + uri
            + " in our database"));
        Map<String, long[]> bySource = new TreeMap<>();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (AuditQueries.DocGroup g : audit.documentsBehind(scope)) {
          if ((license != null && !license.equalsIgnoreCase(String.valueOf(g.license())))
              || (jurisdiction != null && !jurisdiction.equalsIgnoreCase(String.valueOf(g.jurisdiction())))) {
            continue;
          }
          long[] v = bySource.computeIfAbsent(g.source(), s -> new long[2]);
          v[0] += g.documents();
          v[1] += g.tokens();
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("source", g.source());
          row.put("license", g.license());
          row.put("jurisdiction", g.jurisdiction());
          row.put("documents", g.documents());
          row.put("tokens", g.tokens());
          rows.add(row);
        }
        StringBuilder t = new StringBuilder("Sources in ").append(uri);
        if (license != null || jurisdiction != null) {
          t.append(" with").append(license == null ? "" : " license " + license)
              .append(jurisdiction == null ? "" : " jurisdiction " + jurisdiction);
        }
        t.append(":\n");
        bySource.forEach((s, v) -> t.append(String.format(Locale.ROOT, "  %-32s %,9d documents %,12d tokens%n", s, v[0],
            v[1])));
        if (bySource.isEmpty()) {
          t.append("  none\n");
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", uri);
        json.put("license", license);
        json.put("jurisdiction", jurisdiction);
        json.put("sources", new ArrayList<>(bySource.keySet()));
        json.put("groups", rows);
        emit(t.toString(), json);
        return 0;
      }
    }
  }

  @Command(name = "models", mixinStandardHelpOptions = true,
      description = "Which models contain documents of a source, and what was made from them (quantized models): "
          + "the list a takedown request needs.")
  static final class Models extends BaseCommand {
    @Parameters(index = "0", paramLabel = "SOURCE_ID")
    String source;

    @Override
    public Integer call() {
      try (Database db = openDatabase()) {
        List<SourceHolder> holders = new AuditQueries(db.jdbc()).modelsWithSource(source, MODEL_KIND);
        StringBuilder t = new StringBuilder("Models with documents of ").append(source).append(":\n");
        for (SourceHolder h : holders) {
          t.append(String.format(Locale.ROOT, "  %-16s run %-28s %,8d documents  %s%n", h.kind(), h.runId(),
              h.documents(), h.uri()));
        }
        if (holders.isEmpty()) {
          t.append("  none\n");
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("source", source);
        json.put("artifacts", holders);
        emit(t.toString(), json);
        return 0;
      }
    }
  }
}
