package dev.pretrain.ops.cli;

import dev.pretrain.db.Database;
import dev.pretrain.db.curation.CurationRepository;
import dev.pretrain.db.curation.CurationRepository.RuleDecision;
import dev.pretrain.db.cache.StepCacheRepository;
import dev.pretrain.db.artifacts.ArtifactRepository.Artifact;
import dev.pretrain.db.documents.DocumentRepository.Document;
import dev.pretrain.db.documents.SourceRepository.Source;
import dev.pretrain.db.lineage.LineageQueries;
import dev.pretrain.db.placement.PlacementRepository;
import dev.pretrain.db.lineage.LineageQueries.DocDecision;
import dev.pretrain.db.lineage.LineageQueries.Holding;
import dev.pretrain.db.lineage.LineageQueries.Node;
import dev.pretrain.db.lineage.LineageQueries.RunTotals;
import dev.pretrain.db.lineage.LineageQueries.SourceLicenseCount;
import dev.pretrain.db.runs.RunRepository;
import dev.pretrain.db.runs.RunRepository.Run;
import dev.pretrain.ops.report.CurationReport;
import dev.pretrain.ops.report.DecisionExport;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "lineage", mixinStandardHelpOptions = true, subcommands = LineageCommand.Decisions.class,
    description = {"Where something came from and where it went:",
        "  ARTIFACT_URI (s3://...): upstream to the corpus files, downstream artifacts, documents held by",
        "    source and license, and the sources' registry, package, version and checksum;",
        "  RUN_ID: the run's artifacts, inputs and totals;",
        "  DOC_ID: the document, its source, every decision taken on it, and the artifacts that hold it.",
        "lineage decisions RUN_ID lists every document the run dropped (--format jsonl: one JSON line each)."})
public final class LineageCommand extends BaseCommand {

  @Parameters(index = "0", arity = "0..1", paramLabel = "ARTIFACT_URI|RUN_ID|DOC_ID")
  String id;

  private static final int MAX_LISTED = 50;

  private StepCacheRepository cache;
  private RunRepository runs;
  private CurationRepository curation;
  private org.springframework.jdbc.core.JdbcTemplate jdbc;

  @Override
  public Integer call() {
    if (id == null) {
      throw new UserError("lineage needs an artifact URI (s3://...), a run id or a document id; or: lineage decisions RUN_ID");
    }
    try (Database db = openDatabase()) {
      LineageQueries q = new LineageQueries(db.jdbc());
      cache = new StepCacheRepository(db.jdbc());
      jdbc = db.jdbc();
      runs = new RunRepository(db.jdbc());
      curation = new CurationRepository(db.jdbc());
      if (id.startsWith("s3://")) {
        artifact(q, q.artifact(id).orElseThrow(() -> new UserError("no artifact " + id + " in our database")));
        return 0;
      }
      Optional<Run> run = new RunRepository(db.jdbc()).find(id);
      if (run.isPresent()) {
        run(q, run.get());
        return 0;
      }
      Optional<Document> doc = q.document(id);
      if (doc.isPresent()) {
        document(q, doc.get());
        return 0;
      }
      throw new UserError("'" + id + "' is no artifact URI (s3://...), run id or document id we know");
    }
  }

  @Command(name = "decisions", mixinStandardHelpOptions = true,
      description = {"Every document a run dropped, one per line, streamed from the lineage database: dedup's copies",
          "(exact, fuzzy, contaminated) with the kept twin or evaluation document and their Jaccard similarity,",
          "and the documents other steps removed (curation's filtered, ...). Decisions that changed a document",
          "but kept it (normalized, changed) are not listed: ./pretrain lineage DOC_ID shows them.",
          "jsonl: {\"dropped\": ID, \"kept\": ID, \"jaccard\": x, \"kind\": \"exact\"|\"fuzzy\"|...,",
          "\"step\", \"decision\", \"jaccard_estimated\", \"jaccard_exact\", \"overlap_ngrams\", \"reason\"} per line."})
  public static final class Decisions extends BaseCommand {

    @Parameters(index = "0", paramLabel = "RUN_ID")
    String runId;

    @Option(names = "--step", paramLabel = "STEP",
        description = "Only this step's decisions (dedup, curate, ...). Default: every step.")
    String step;

    @Option(names = "--format", paramLabel = "FORMAT",
        description = "text (an aligned table and a count per kind; the default) or jsonl (the default with --json).")
    String format;

    @Option(names = "--out", paramLabel = "FILE", description = "Write to FILE instead of stdout.")
    Path out;

    @Override
    public Integer call() {
      String fmt = format == null ? (json() ? "jsonl" : "text") : format.toLowerCase(Locale.ROOT);
      if (!fmt.equals("text") && !fmt.equals("jsonl")) {
        throw new UserError("--format " + format + ": use text or jsonl");
      }
      try (Database db = openDatabase()) {
        LineageQueries q = new LineageQueries(db.jdbc());
        if (!q.runExists(runId)) {
          throw new UserError("no run '" + runId + "' in our database (./pretrain runs lists the recent ones)");
        }
        DecisionExport.Format f = fmt.equals("jsonl") ? DecisionExport.Format.JSONL : DecisionExport.Format.TEXT;
        DecisionExport.Counts counts;
        try {
          if (out == null) { // flushed, not closed: stdout stays open
            counts = DecisionExport.write(q, runId, step, f,
                new BufferedWriter(new OutputStreamWriter(out(), StandardCharsets.UTF_8), 1 << 16));
          } else {
            try (Writer w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
              counts = DecisionExport.write(q, runId, step, f, w);
            }
            err().println("wrote " + counts.total() + " dropped documents to " + out);
          }
        } catch (IOException e) {
          throw new UserError("cannot write " + (out == null ? "to stdout" : out.toString()) + ": " + e.getMessage());
        }
        return done(q, counts);
      }
    }

    private int done(LineageQueries q, DecisionExport.Counts counts) {
      if (counts.total() == 0 && step != null) {
        List<String> steps = q.stepsWithDecisions(runId);
        err().println("Note: run " + runId + " has no decision of step '" + step + "' that dropped a document"
            + (steps.isEmpty() ? "" : " (steps with decisions: " + String.join(", ", steps) + ")"));
      }
      return ExitCodes.OK;
    }
  }

  private void artifact(LineageQueries q, Artifact a) {
    StringBuilder t = new StringBuilder();
    Map<String, Object> json = new LinkedHashMap<>();
    t.append("Artifact ").append(a.uri()).append('\n');
    t.append("  ").append(describe(a)).append('\n');
    t.append("  sha256 ").append(a.sha256()).append(", stored at ").append(a.storageEndpoint())
        .append(a.region() == null ? "" : " (region " + a.region() + ")").append(", created ")
        .append(a.createdAt()).append('\n');
    json.put("artifact", artifactJson(a));
    if (a.runId() != null) {
      runs.find(a.runId()).filter(r -> r.scheduleId() != null).ifPresent(r -> {
        t.append("  run ").append(r.runId()).append(" was started by schedule ").append(r.scheduleId())
            .append(" for nominal time ").append(r.scheduledTime()).append('\n');
        json.put("schedule", Map.of("scheduleId", r.scheduleId(), "scheduledTime", String.valueOf(r.scheduledTime())));
      });
    }
    List<StepCacheRepository.Reuse> reuses = cache.reusesOf(a.uri());
    if (!reuses.isEmpty()) {
      t.append("  reused as a step-cache hit by: ");
      t.append(String.join(", ", reuses.stream().map(r -> "run " + r.runId() + " (" + r.step() + ")").toList()))
          .append('\n');
    }
    json.put("reusedBy", reuses.stream().map(LineageCommand::reuseJson).toList());

    List<Node> up = q.upstream(a.uri());
    t.append("\nUpstream (made from), down to the corpus files:\n");
    appendTree(t, up);
    List<String> corpusFiles = up.stream().filter(n -> n.depth() > 0 && n.next().isEmpty())
        .map(n -> n.artifact().uri()).toList();
    json.put("upstream", nodesJson(up));
    json.put("corpusFiles", corpusFiles);

    List<Node> down = q.downstream(a.uri());
    t.append("\nDownstream (made from it):\n");
    appendTree(t, down);
    json.put("downstream", nodesJson(down));

    List<SourceLicenseCount> held = q.documentsBySourceAndLicense(a.uri());
    String heading = "Documents held: ";
    if (held.isEmpty()) {
      held = q.documentsReadFrom(a.uri());
      heading = "Documents read from this file: ";
    }
    if (held.isEmpty()) {
      // a quantized model, report, ...: the documents of the nearest upstream artifacts that hold some
      held = q.documentsBehind(a.uri());
      heading = "Documents it was made from: ";
    }
    long total = held.stream().mapToLong(SourceLicenseCount::documents).sum();
    t.append('\n').append(heading).append(total).append('\n');
    if (!held.isEmpty()) {
      t.append(String.format(Locale.ROOT, "  %-32s %-40s %10s %14s%n", "source", "license", "documents", "chars"));
      for (SourceLicenseCount c : held) {
        t.append(String.format(Locale.ROOT, "  %-32s %-40s %10d %14d%n", c.source(), c.license(), c.documents(),
            c.chars()));
      }
    }
    json.put(heading.startsWith("Documents read") ? "documentsReadFrom"
        : heading.startsWith("Documents held") ? "documentsHeld" : "documentsMadeFrom", held);

    List<Source> sources = q.sourcesOf(a.uri());
    if (!sources.isEmpty()) {
      t.append("\nSources (registry, package, version, checksum):\n");
      for (Source s : sources) {
        t.append("  ").append(sourceLine(s)).append('\n');
      }
    }
    json.put("sources", sources.stream().map(LineageCommand::sourceJson).toList());
    emit(t.toString(), json);
  }

  private void run(LineageQueries q, Run run) {
    RunTotals totals = q.runTotals(run.runId());
    List<Artifact> artifacts = q.artifactsOfRun(run.runId());
    List<String> inputs = q.externalInputsOfRun(run.runId());
    StringBuilder t = new StringBuilder();
    t.append("Run ").append(run.runId()).append(" (").append(run.recipe()).append(", ").append(run.status())
        .append(")\n");
    t.append(String.format(Locale.ROOT, "  %d artifacts, %.2f MB; by kind: %s%n", totals.artifacts(),
        totals.bytes() / 1e6, totals.artifactsByKind()));
    t.append("  documents first seen in this run: ").append(totals.documentsFirstSeen()).append('\n');
    t.append("  decisions: ").append(totals.decisions().isEmpty() ? "none" : totals.decisions()).append('\n');
    t.append("  quarantined records: ").append(totals.quarantined()).append('\n');
    t.append("\nInputs read (").append(inputs.size()).append("):\n");
    inputs.stream().limit(MAX_LISTED).forEach(u -> t.append("  ").append(u).append('\n'));
    if (inputs.size() > MAX_LISTED) {
      t.append("  ... ").append(inputs.size() - MAX_LISTED).append(" more (--json lists all)\n");
    }
    t.append("\nArtifacts (").append(artifacts.size()).append("):\n");
    artifacts.stream().limit(MAX_LISTED).forEach(a -> t.append(String.format(Locale.ROOT, "  %-10s %-14s %10.2f MB  %s%n",
        a.step(), a.kind(), a.sizeBytes() / 1e6, a.uri())));
    if (artifacts.size() > MAX_LISTED) {
      t.append("  ... ").append(artifacts.size() - MAX_LISTED).append(" more (--json lists all)\n");
    }
    List<StepCacheRepository.WhereRan> ran = cache.whereRan(run.runId());
    if (!ran.isEmpty()) {
      t.append("\nWhere each step ran (task queue, worker host and region, code version):\n");
      for (StepCacheRepository.WhereRan w : ran) {
        t.append(String.format(Locale.ROOT, "  %-9s %-16s %-22s %-24s %-10s %-12s %-9s x%d%n", w.step(), w.activity(),
            w.taskQueue(), w.workerHost(), w.workerRegion() == null ? "(no region)" : w.workerRegion(),
            w.codeVersion(), w.outcome(), w.executions()));
      }
    }
    List<PlacementRepository.Decision> placed = new PlacementRepository(jdbc).decisions(run.runId());
    if (!placed.isEmpty()) {
      t.append("\nPlacement under the sovereignty policy (policy SHA-256 ")
          .append(placed.get(0).policySha256()).append("):\n");
      for (PlacementRepository.Decision d : placed) {
        t.append(String.format(Locale.ROOT, "  %-8s %-9s %-28s %-6s -> region %s, queue %s, bucket %s (%s)%n",
            d.decision(), d.step(), d.source(), d.jurisdiction(), d.region(), d.taskQueue(), d.bucket(), d.rule()));
      }
    }
    List<StepCacheRepository.Reuse> reused = cache.reusesByRun(run.runId());
    if (!reused.isEmpty()) {
      t.append("\nReused from the step cache (").append(reused.size()).append(" artifacts, made by earlier runs):\n");
      reused.stream().limit(MAX_LISTED).forEach(r -> t.append(String.format(Locale.ROOT, "  %-10s from run %s  %s%n",
          r.step(), r.sourceRunId(), r.artifactUri())));
    }
    if (run.scheduleId() != null) {
      t.append("\nStarted by schedule ").append(run.scheduleId()).append(" for nominal time ")
          .append(run.scheduledTime()).append('\n');
    }
    t.append("\nFollow one: ./pretrain lineage s3://...\n");
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("runId", run.runId());
    json.put("recipe", run.recipe());
    json.put("status", run.status());
    json.put("totals", totals);
    json.put("inputs", inputs);
    json.put("artifacts", artifacts.stream().map(LineageCommand::artifactJson).toList());
    json.put("reusedFromCache", reused.stream().map(LineageCommand::reuseJson).toList());
    json.put("whereRan", ran);
    json.put("placement", placed.stream().map(d -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("decision", d.decision());
      m.put("step", d.step());
      m.put("source", d.source());
      m.put("jurisdiction", d.jurisdiction());
      m.put("region", d.region());
      m.put("taskQueue", d.taskQueue());
      m.put("bucket", d.bucket());
      m.put("rule", d.rule());
      m.put("reason", d.reason());
      return m;
    }).toList());
    json.put("scheduleId", run.scheduleId());
    json.put("scheduledTime", run.scheduledTime() == null ? null : run.scheduledTime().toString());
    CurationReport curated = new CurationReport(run.runId(), curation.tally(run.runId()));
    if (!curated.isEmpty()) {
      t.append('\n').append(curated.text());
      json.put("curation", curated.json());
    }
    emit(t.toString(), json);
  }

  private void document(LineageQueries q, Document d) {
    StringBuilder t = new StringBuilder();
    t.append("Document ").append(d.docId()).append('\n');
    t.append("  source       ").append(d.source()).append(d.sourceVersion() == null ? "" : " " + d.sourceVersion())
        .append('\n');
    t.append("  path         ").append(d.path()).append('\n');
    t.append("  license      ").append(d.license()).append('\n');
    t.append("  language     ").append(d.language()).append(", jurisdiction ").append(d.jurisdiction()).append('\n');
    t.append("  content      sha256 ").append(d.contentSha256()).append(", ").append(d.chars()).append(" chars\n");
    t.append("  read from    ").append(d.inputUri()).append(" line ").append(d.inputLine()).append('\n');
    if (d.url() != null) {
      t.append("  fetched from ").append(d.url()).append(d.fetchedAt() == null ? "" : " at " + d.fetchedAt()).append('\n');
    }
    t.append("  first run    ").append(d.firstRunId()).append('\n');
    Optional<Source> source = q.source(d.source());
    source.ifPresent(s -> t.append("  registry     ").append(sourceLine(s)).append('\n'));

    List<DocDecision> decisions = q.decisionsOn(d.docId());
    t.append("\nDecisions (").append(decisions.size()).append("):\n");
    for (DocDecision x : decisions) {
      t.append("  run ").append(x.runId()).append(' ').append(x.step()).append(": ").append(x.decision());
      if (x.relatedDocId() != null) {
        t.append(" (kept twin ").append(x.relatedDocId()).append(')');
      }
      if (x.reason() != null) {
        t.append(" - ").append(x.reason());
      }
      t.append('\n');
    }
    Map<String, List<RuleDecision>> rules = new LinkedHashMap<>();
    for (String runId : curation.runsWithDecisionsOn(d.docId())) {
      List<RuleDecision> r = curation.decisionsOn(runId, d.docId());
      rules.put(runId, r);
      t.append("\nCuration in run ").append(runId).append(" (rule, measured, threshold):\n");
      for (RuleDecision x : r) {
        t.append(String.format(Locale.ROOT, "  %-13s %-36s %10s  %-10s %s%n", x.action(), x.rule(),
            x.measured() == null ? "" : String.format(Locale.ROOT, "%.4g", x.measured()),
            x.threshold() == null ? "" : x.threshold(), x.detail() == null ? "" : x.detail()));
      }
    }
    List<String> twins = q.twinsDroppedFor(d.docId());
    if (!twins.isEmpty()) {
      t.append("  kept over its duplicates: ").append(String.join(", ", twins.stream().limit(MAX_LISTED).toList()))
          .append(twins.size() > MAX_LISTED ? " ..." : "").append('\n');
    }
    List<Holding> holdings = q.artifactsHolding(d.docId());
    t.append("\nHeld by (").append(holdings.size()).append(" artifacts):\n");
    for (Holding h : holdings) {
      t.append(String.format(Locale.ROOT, "  %-10s %-14s #%-6d %s%s%n", h.step(), h.kind(), h.ordinal(),
          h.tokenStart() == null ? "" : "tokens [" + h.tokenStart() + ", " + h.tokenEnd() + ")  ", h.artifactUri()));
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("document", d);
    json.put("source", source.map(LineageCommand::sourceJson).orElse(null));
    json.put("decisions", decisions);
    json.put("curation", rules);
    json.put("keptOver", twins);
    json.put("heldBy", holdings);
    emit(t.toString(), json);
  }

  private static void appendTree(StringBuilder t, List<Node> nodes) {
    if (nodes.size() <= 1) {
      t.append("  (none)\n");
      return;
    }
    int listed = 0;
    for (Node n : nodes) {
      if (n.depth() == 0) {
        continue;
      }
      if (listed++ == MAX_LISTED) {
        t.append("  ... ").append(nodes.size() - 1 - MAX_LISTED).append(" more (--json lists all)\n");
        break;
      }
      t.append("  ".repeat(n.depth())).append(n.artifact().uri()).append("  [").append(describe(n.artifact()))
          .append(']').append('\n');
    }
  }

  private static Map<String, Object> reuseJson(StepCacheRepository.Reuse r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("runId", r.runId());
    m.put("step", r.step());
    m.put("artifact", r.artifactUri());
    m.put("madeByRun", r.sourceRunId());
    m.put("reusedAt", r.reusedAt().toString());
    return m;
  }

  private static String describe(Artifact a) {
    return String.format(Locale.ROOT, "%s, %.2f MB, %s", a.kind(), a.sizeBytes() / 1e6,
        a.runId() == null ? "corpus file (no run)" : "run " + a.runId() + " step " + a.step());
  }

  private static String sourceLine(Source s) {
    return String.format(Locale.ROOT, "%s: %s %s %s, %s %s, license %s, jurisdiction %s", s.sourceId(), s.registry(),
        s.packageName(), s.packageVersion(), s.checksumAlgo(), s.checksum(), s.license(), s.jurisdiction());
  }

  private static List<Map<String, Object>> nodesJson(List<Node> nodes) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Node n : nodes) {
      Map<String, Object> m = artifactJson(n.artifact());
      m.put("depth", n.depth());
      m.put("next", n.next());
      out.add(m);
    }
    return out;
  }

  private static Map<String, Object> artifactJson(Artifact a) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("uri", a.uri());
    m.put("sha256", a.sha256());
    m.put("sizeBytes", a.sizeBytes());
    m.put("kind", a.kind());
    m.put("runId", a.runId());
    m.put("step", a.step());
    m.put("storageEndpoint", a.storageEndpoint());
    m.put("region", a.region());
    m.put("createdAt", a.createdAt().toString());
    return m;
  }

  private static Map<String, Object> sourceJson(Source s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("sourceId", s.sourceId());
    m.put("registry", s.registry());
    m.put("package", s.packageName());
    m.put("version", s.packageVersion());
    m.put("checksumAlgo", s.checksumAlgo());
    m.put("checksum", s.checksum());
    m.put("license", s.license());
    m.put("jurisdiction", s.jurisdiction());
    m.put("files", s.files());
    m.put("bytes", s.bytes());
    m.put("fetchedAt", s.fetchedAt().toString());
    return m;
  }
}
