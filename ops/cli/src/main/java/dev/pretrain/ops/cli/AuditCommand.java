package dev.pretrain.ops.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.pretrain.db.Database;
import dev.pretrain.ops.report.AuditHtml;
import dev.pretrain.ops.report.AuditReport;
import dev.pretrain.ops.report.AuditReport.FunnelRow;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "audit", mixinStandardHelpOptions = true,
    subcommands = {AuditVerifyCommand.class, AuditQuestions.Where.class, AuditQuestions.Why.class, AuditQuestions.Sources.class,
        AuditQuestions.Models.class},
    description = {"The audit report of a model (or any artifact): its sources with registry checksums, licenses,",
        "languages and jurisdictions; what became of every document read, by reason; tokens trained on per source;",
        "where each step stored and processed the data and with which code; every artifact's SHA-256.",
        "Computed from the lineage database. Questions: audit where|why DOC_ID, audit sources MODEL,",
        "audit models SOURCE (add --json for machine-readable answers); audit verify RUN_ID checks the run's",
        "lineage against its seal."})
public final class AuditCommand extends BaseCommand {

  static final ObjectMapper REPORT_JSON = new ObjectMapper().registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).enable(SerializationFeature.INDENT_OUTPUT);

  @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL_ARTIFACT",
      description = "The artifact to report on (s3://...): a quantized model, a model, or any other artifact.")
  String uri;

  @Option(names = "--format", paramLabel = "FORMAT", description = "text (a summary), json or html. With --out and no "
      + "--format, both json and html are written.")
  String format;

  @Option(names = "--out", paramLabel = "DIR", description = "Write the report into DIR as audit-<runId>.<json|html> "
      + "instead of printing it.")
  Path out;

  @Override
  public Integer call() {
    if (uri == null) {
      throw new UserError("audit needs the artifact to report on (s3://...), or a question: where, why, sources, models");
    }
    String fmt = format == null ? (json() ? "json" : out == null ? "text" : "both") : format.toLowerCase(Locale.ROOT);
    if (!java.util.List.of("text", "json", "html", "both").contains(fmt)) {
      throw new UserError("--format " + format + ": use text, json or html");
    }
    AuditReport report;
    long started;
    try (Database db = openDatabase()) {
      started = System.nanoTime(); // the report's own time: opening (and migrating) the database is not part of it
      report = AuditReport.build(db.jdbc(), uri).orElseThrow(
          () -> new UserError("no artifact " + uri + " in our database (see ./pretrain lineage RUN_ID for a run's artifacts)"));
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    try {
      if (out != null) {
        Files.createDirectories(out);
        String base = "audit-" + (report.subject().runId() == null ? "corpus" : report.subject().runId());
        if (fmt.equals("json") || fmt.equals("both")) {
          write(out.resolve(base + ".json"), REPORT_JSON.writeValueAsString(report));
        }
        if (fmt.equals("html") || fmt.equals("both")) {
          write(out.resolve(base + ".html"), AuditHtml.render(report));
        }
        if (!fmt.equals("text")) {
          err().printf(Locale.ROOT, "report computed in %.2f s%n", seconds);
          return report.summary().conserved() ? 0 : ExitCodes.FAILED;
        }
      }
      switch (fmt) {
        case "json", "both" -> out().println(REPORT_JSON.writeValueAsString(report));
        case "html" -> out().print(AuditHtml.render(report));
        default -> out().print(text(report));
      }
    } catch (IOException e) {
      throw new UserError("cannot write the report: " + e.getMessage());
    }
    out().flush();
    err().printf(Locale.ROOT, "report computed in %.2f s%n", seconds);
    return report.summary().conserved() ? 0 : ExitCodes.FAILED;
  }

  private void write(Path file, String content) throws IOException {
    Files.writeString(file, content, StandardCharsets.UTF_8);
    err().println("wrote " + file);
  }

  static String text(AuditReport r) {
    AuditReport.Summary s = r.summary();
    StringBuilder t = new StringBuilder();
    t.append("Audit of ").append(r.subject().kind()).append(' ').append(r.subject().uri()).append('\n');
    t.append("  sha256 ").append(r.subject().sha256()).append(", run ").append(r.subject().runId()).append('\n');
    t.append(String.format(Locale.ROOT, "  documents read %,d = kept %,d + deduplicated %,d + filtered %,d + rejected %,d"
        + " + quarantined %,d (%s)%n", s.documentsIn(), s.kept(), s.deduplicated(), s.filtered(), s.rejected(),
        s.quarantined(), s.conserved() ? "all accounted for" : "NOT accounted for"));
    if (!s.deduplicatedByKind().isEmpty()) {
      t.append("  deduplicated by kind: ").append(String.join(", ", s.deduplicatedByKind().entrySet().stream()
          .map(e -> String.format(Locale.ROOT, "%s %,d", e.getKey(), e.getValue())).toList())).append('\n');
    }
    t.append(String.format(Locale.ROOT, "  trained on %,d documents, %,d distinct tokens%n", s.documentsTrained(),
        s.tokensTrained()));
    t.append("  licenses ").append(String.join(", ", s.licenses())).append('\n');
    t.append("  jurisdictions ").append(String.join(", ", s.jurisdictions())).append("; stored in ")
        .append(String.join(", ", s.storageRegions())).append("; processed in ")
        .append(String.join(", ", s.processingRegions())).append('\n');
    if (r.integrity() != null) {
      t.append("  lineage root hash ").append(r.integrity().rootHash()).append('\n');
    }
    t.append(String.format(Locale.ROOT, "%n  %-28s %9s %9s %9s %9s %9s %9s %11s%n", "source", "read", "kept", "dedup",
        "filtered", "rejected", "quarant.", "tokens"));
    for (FunnelRow f : r.funnel()) {
      t.append(String.format(Locale.ROOT, "  %-28s %,9d %,9d %,9d %,9d %,9d %,9d %,11d%s%n", f.source(), f.in(), f.kept(),
          f.deduplicated(), f.filtered(), f.rejected(), f.quarantined(), f.tokensTrained(), f.conserved() ? "" : "  !"));
    }
    t.append("\n  ").append(r.artifacts().size()).append(" artifacts; the full report: --format json|html [--out DIR]\n");
    return t.toString();
  }
}
