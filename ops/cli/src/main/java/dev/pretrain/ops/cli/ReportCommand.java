package dev.pretrain.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pretrain.db.Database;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.artifacts.ArtifactRepository.Artifact;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.workflows.ArtifactRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "report", mixinStandardHelpOptions = true,
    description = {"Fetches a run's evaluation report and model card (what its export step wrote under",
        "s3://<bucket>/runs/<RUN_ID>/report/), checks each against the SHA-256 recorded in lineage, writes them to",
        "--out and prints bits per byte per held-out source and model.",
        "Example: ./pretrain report RUN_ID --out reports/   (then open reports/RUN_ID-evaluation.html)"})
public final class ReportCommand extends BaseCommand {

  static final List<String> FILES = List.of("evaluation.html", "evaluation.json", "model-card.md", "model-card.json");

  @Parameters(index = "0", paramLabel = "RUN_ID", description = "a run that ran the export step")
  String runId;

  @Option(names = "--out", defaultValue = "reports", description = "local directory (default ${DEFAULT-VALUE})")
  Path out;

  @Override
  public Integer call() throws IOException {
    ObjectStore store = config().objectStore();
    Map<String, Path> written = new LinkedHashMap<>();
    try (Database db = openDatabase()) {
      ArtifactRepository artifacts = new ArtifactRepository(db.jdbc());
      List<Artifact> reports = artifacts.byRun(runId).stream().filter(a -> a.uri().contains("/report/")).toList();
      if (reports.isEmpty()) {
        throw new UserError("run " + runId + " has no evaluation report: it is written by the export step (runs with"
            + " the run's own vocabulary, tokenize.encoding bpe), which this run has not finished");
      }
      Files.createDirectories(out);
      for (String name : FILES) {
        Artifact a = reports.stream().filter(r -> r.uri().endsWith("/report/" + name)).findFirst()
            .orElseThrow(() -> new UserError("run " + runId + ": no " + name + " recorded under report/"));
        ArtifactRef ref = new ArtifactRef(a.uri(), a.sha256(), a.sizeBytes());
        Path target = out.resolve(runId + "-" + name);
        String sha = store.download(ref.bucket(), ref.key(), target);
        if (!sha.equals(a.sha256())) {
          throw new UserError(a.uri() + " has SHA-256 " + sha + ", but " + a.sha256() + " was recorded: the object"
              + " changed");
        }
        written.put(name, target);
      }
    }
    JsonNode report = JSON.readTree(written.get("evaluation.json").toFile());
    emit(text(report, written), Map.of("runId", runId, "files", written.values().stream().map(Path::toString).toList(),
        "evaluations", report.get("evaluations")));
    return 0;
  }

  /** The files, then bits per byte: a row per held-out source, a column per evaluated model. */
  static String text(JsonNode report, Map<String, Path> written) {
    StringBuilder b = new StringBuilder();
    written.forEach((name, path) -> b.append("wrote ").append(path).append('\n'));
    List<String> labels = new ArrayList<>();
    report.path("evaluations").forEach(e -> labels.add(e.path("label").asText()));
    if (labels.isEmpty()) {
      return b.append("no evaluations (the run had no held-out documents)\n").toString();
    }
    b.append(String.format(Locale.ROOT, "%nbits per byte%n  %-20s %-16s", "source", "role"));
    labels.forEach(l -> b.append(String.format(Locale.ROOT, " %10s", l)));
    b.append('\n');
    Map<String, String> roles = new LinkedHashMap<>();
    report.path("sets").forEach(s -> roles.put(s.path("source").asText(), s.path("role").asText()));
    for (Map.Entry<String, String> source : roles.entrySet()) {
      b.append(String.format(Locale.ROOT, "  %-20s %-16s", source.getKey(), source.getValue()));
      for (JsonNode e : report.path("evaluations")) {
        double bpb = Double.NaN;
        for (JsonNode s : e.path("bySource")) {
          if (s.path("source").asText().equals(source.getKey())) {
            bpb = s.path("bitsPerByte").asDouble(Double.NaN);
          }
        }
        b.append(String.format(Locale.ROOT, " %10.4f", bpb));
      }
      b.append('\n');
    }
    b.append(String.format(Locale.ROOT, "  %-20s %-16s", "all", ""));
    report.path("evaluations").forEach(e -> b.append(String.format(Locale.ROOT, " %10.4f",
        e.path("bitsPerByte").asDouble(Double.NaN))));
    return b.append('\n').toString();
  }
}
