package dev.pretrain.ops.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.db.Database;
import dev.pretrain.db.audit.LineageSeal;
import dev.pretrain.db.audit.LineageSeal.AnchorRoot;
import dev.pretrain.db.audit.LineageSeal.Finding;
import dev.pretrain.db.audit.LineageSeal.Seal;
import dev.pretrain.db.audit.LineageSeal.Verification;
import dev.pretrain.db.audit.SealAnchor;
import dev.pretrain.db.runs.RunRepository;
import dev.pretrain.db.runs.RunRepository.Run;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Checks a run's lineage against its seal and the seal against its anchor in S3 (docs/audit.md). */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = {"Checks that a finished run's lineage records are as they were sealed:",
        "  names every record changed, removed or inserted since (table and key), checks the stored",
        "  record hashes still chain to the seal's root, and that root against the anchor",
        "  s3://<bucket>/runs/RUN_ID/audit/seal.json. Exit 0: intact; 4: tampered; 1: cannot tell",
        "  (no seal, or the anchor cannot be read)."})
public final class AuditVerifyCommand extends BaseCommand {

  @Parameters(index = "0", paramLabel = "RUN_ID")
  String runId;

  private static final int MAX_LISTED = 50;

  @Override
  public Integer call() {
    try (Database db = openDatabase()) {
      Run run = new RunRepository(db.jdbc()).find(runId)
          .orElseThrow(() -> new UserError("no run " + runId + " in our database"));
      LineageSeal seals = new LineageSeal(db.dataSource());
      if (seals.latest(runId).isEmpty()) {
        throw new UserError(new LineageSeal.NoSealException(runId).getMessage());
      }
      String bucket = new dev.pretrain.db.placement.PlacementRepository(db.jdbc()).placedBucket(runId)
          .orElseGet(() -> bucketOf(run)); // where runFinished wrote the anchor
      AnchorRoot anchor = null;
      String anchorError = null;
      try {
        anchor = new SealAnchor(config().objectStore(), SealAnchor.DEFAULT_RETENTION).read(bucket, runId).orElse(null);
      } catch (RuntimeException e) {
        anchorError = "cannot read the anchor in bucket " + bucket + ": " + rootMessage(e);
      }
      Verification v = seals.verify(runId, anchor);
      List<String> problems = new ArrayList<>(v.problems());
      if (anchorError != null) {
        problems.add(anchorError);
      } else if (anchor == null) {
        problems.add("no anchor at s3://" + bucket + "/runs/" + runId + "/audit/seal.json: only the database vouches"
            + " for the root");
      }
      emit(text(v, problems), json(v, problems));
      if (v.findingsTotal() == 0 && anchorError != null) {
        return ExitCodes.FAILED; // the rows match the seal; whether the seal matches its anchor is unknown
      }
      return v.intact() ? ExitCodes.OK : ExitCodes.TAMPERED;
    }
  }

  private String bucketOf(Run run) {
    try {
      String b = new ObjectMapper().readTree(run.requestJson()).path("bucket").asText(null);
      return b == null || b.isBlank() ? config().bucket() : b;
    } catch (Exception e) {
      return config().bucket();
    }
  }

  private static String text(Verification v, List<String> problems) {
    Seal s = v.seal();
    StringBuilder t = new StringBuilder();
    t.append("Run ").append(v.runId()).append(": ").append(v.intact() ? "INTACT" : "TAMPERED").append('\n');
    t.append("  seal ").append(s.sealNo()).append(" of ").append(s.sealedAt()).append(", ").append(s.records())
        .append(" records, root ").append(s.root()).append('\n');
    t.append("  anchor ").append(v.anchor() == null ? "none read" : v.anchor().uri() + " (seal " + v.anchor().sealNo()
        + ", root " + v.anchor().root() + ")").append(s.anchorRetainUntil() == null ? ""
            : ", retained until " + s.anchorRetainUntil()).append('\n');
    t.append("  records now ").append(v.recordsNow()).append(", root now ").append(v.liveRoot()).append('\n');
    if (v.findingsTotal() > 0) {
      t.append("\nRecords that differ from the seal (").append(v.findingsTotal()).append("):\n");
      v.findings().stream().limit(MAX_LISTED).forEach(f -> t.append("  ").append(f).append('\n'));
      if (v.findingsTotal() > MAX_LISTED) {
        t.append("  ... ").append(v.findingsTotal() - MAX_LISTED).append(" more (--json lists up to ")
            .append(v.findings().size()).append(")\n");
      }
    }
    if (!problems.isEmpty()) {
      t.append("\nSeal and anchor:\n");
      problems.forEach(p -> t.append("  ").append(p).append('\n'));
    }
    return t.toString();
  }

  private static Map<String, Object> json(Verification v, List<String> problems) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("runId", v.runId());
    m.put("intact", v.intact());
    Seal s = v.seal();
    Map<String, Object> seal = new LinkedHashMap<>();
    seal.put("sealNo", s.sealNo());
    seal.put("root", s.root());
    seal.put("records", s.records());
    seal.put("sealedAt", s.sealedAt().toString());
    seal.put("anchorUri", s.anchorUri());
    seal.put("anchorVersion", s.anchorVersion());
    seal.put("anchorRetainUntil", s.anchorRetainUntil() == null ? null : s.anchorRetainUntil().toString());
    m.put("seal", seal);
    m.put("anchor", v.anchor());
    m.put("recordsNow", v.recordsNow());
    m.put("rootNow", v.liveRoot());
    m.put("storedChainRoot", v.storedChainRoot());
    m.put("findingsTotal", v.findingsTotal());
    List<Map<String, Object>> findings = new ArrayList<>();
    for (Finding f : v.findings()) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("kind", f.kind().name().toLowerCase(java.util.Locale.ROOT));
      x.put("table", f.table());
      x.put("key", f.key());
      x.put("detail", f.detail());
      findings.add(x);
    }
    m.put("findings", findings);
    m.put("problems", problems);
    return m;
  }
}
