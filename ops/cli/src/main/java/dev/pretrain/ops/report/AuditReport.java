package dev.pretrain.ops.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.db.artifacts.ArtifactRepository.Artifact;
import dev.pretrain.db.audit.LineageSeal;
import dev.pretrain.db.documents.SourceRepository.Source;
import dev.pretrain.db.lineage.AuditQueries;
import dev.pretrain.db.lineage.AuditQueries.DocGroup;
import dev.pretrain.db.lineage.AuditQueries.ExecutionGroup;
import dev.pretrain.db.lineage.AuditQueries.Scope;
import dev.pretrain.db.placement.PlacementRepository;
import dev.pretrain.db.runs.RunRepository.Run;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * What an auditor files for a model: where every document behind it came from (source, registry
 * checksum, license, jurisdiction, language), what became of every input record and why, where each
 * step stored and processed the data and with which code, and the SHA-256 of every artifact. Built
 * from our database alone (no object is read), serialized as JSON; {@link AuditHtml} renders it.
 */
public record AuditReport(
    String format,
    Instant generatedAt,
    Subject subject,
    Summary summary,
    List<SourceRow> sources,
    List<FunnelRow> funnel,
    List<LicenseRow> licenses,
    List<LanguageRow> languages,
    List<CountRow> jurisdictions,
    List<StorageRow> storage,
    List<ProcessingRow> processing,
    List<RunRow> runs,
    List<ArtifactRow> artifacts,
    List<Edge> graph,
    List<Map<String, Object>> policyDecisions,
    Integrity integrity) {

  public static final String FORMAT = "pretrain-audit/1";

  /** The region of a worker that declared none (as the OpenLineage processing-location facet says). */
  public static final String UNASSIGNED = "unassigned";

  /** The artifact the report is about. */
  public record Subject(String uri, String kind, String sha256, long sizeBytes, String runId, String step,
      String recipe) {}

  /**
   * Totals. {@code documentsIn} is what ingest read for the subject's data; it equals kept + every
   * removal, per source and in total ({@code conserved}). {@code ingestRecordsIn} is the same number
   * as the ingest step recorded it for its run, when the subject's data all came from one run.
   * {@code deduplicatedByKind}: dedup's drops by how they were judged copies (exact, fuzzy,
   * contaminated; only the kinds that occur), from the decisions recorded for each document.
   */
  public record Summary(long documentsIn, long kept, long quarantined, long rejected, long filtered,
      long deduplicated, Map<String, Long> deduplicatedByKind, long documentsTrained, long tokensTrained, Long ingestRecordsIn, boolean conserved,
      int sources, List<String> licenses, List<String> jurisdictions, List<String> languages,
      List<String> storageRegions, List<String> processingRegions) {}

  /** A source as its registry describes it. */
  public record SourceRow(String source, String registry, String packageName, String version, String checksumAlgo,
      String checksum, String license, String jurisdiction, String contentKind, long files, long bytes,
      Instant fetchedAt) {}

  /** One source's data funnel: in, what each outcome removed (by reason), what is left, what was trained on. */
  public record FunnelRow(String source, long in, long quarantined, long rejected, long filtered, long deduplicated,
      long kept, Map<String, Long> removedByReason, Map<String, Long> changed, long documentsTrained,
      long tokensTrained, boolean conserved) {}

  /** Documents trained on, by source and license (per path where the source's copyright file says so). */
  public record LicenseRow(String source, String license, long documents, long tokens) {}

  /** Documents trained on by declared and detected language. */
  public record LanguageRow(String declared, String detected, long documents, long tokens) {}

  public record CountRow(String key, long documents, long tokens) {}

  /** Where a step's artifacts are stored. */
  public record StorageRow(String step, String bucket, String endpoint, String region, long artifacts, long bytes) {}

  /** Where a step's activities ran, with which code version. */
  public record ProcessingRow(String runId, String step, String activity, String codeVersion, String taskQueue,
      String workerHost, String workerRegion, String outcome, long executions) {}

  /** A run that made part of the subject, with its recipe parameters. */
  public record RunRow(String runId, String recipe, String status, Instant startedAt, Instant finishedAt,
      String scheduleId, JsonNode request) {}

  public record ArtifactRow(String uri, String kind, String runId, String step, String sha256, long sizeBytes,
      String region) {}

  /** "artifact was made from input". */
  public record Edge(String artifact, String input) {}

  /** Tamper evidence: the root hash of the run's sealed lineage records, when the run was sealed. */
  public record Integrity(String runId, String rootHash, String sealedAt, String note) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The report on {@code uri}, or empty when the artifact is not recorded. */
  public static Optional<AuditReport> build(JdbcTemplate jdbc, String uri) {
    AuditQueries q = new AuditQueries(jdbc);
    Optional<Scope> found = q.scope(uri);
    if (found.isEmpty()) {
      return Optional.empty();
    }
    Scope scope = found.get();
    List<Run> runs = q.runs(scope);
    Artifact a = scope.subject();
    String recipe = runs.stream().filter(r -> r.runId().equals(a.runId())).map(Run::recipe).findFirst().orElse(null);
    Subject subject = new Subject(a.uri(), a.kind(), a.sha256(), a.sizeBytes(), a.runId(), a.step(), recipe);

    List<DocGroup> docs = q.documentsBehind(scope);
    CurationReport curation = new CurationReport(a.runId(), q.tally(scope));
    Map<String, long[]> trainedBySource = new TreeMap<>();
    Map<List<String>, long[]> byLicense = new TreeMap<>(AuditReport::compareKeys);
    Map<List<String>, long[]> byLanguage = new TreeMap<>(AuditReport::compareKeys);
    Map<String, long[]> byJurisdiction = new TreeMap<>();
    for (DocGroup g : docs) {
      add(trainedBySource, g.source(), g);
      add(byLicense, java.util.Arrays.asList(g.source(), g.license()), g);
      add(byLanguage, java.util.Arrays.asList(g.language(), g.detectedLanguage()), g);
      add(byJurisdiction, String.valueOf(g.jurisdiction()), g);
    }

    List<FunnelRow> funnel = new ArrayList<>();
    long[] total = new long[8];
    boolean conserved = true;
    for (CurationReport.SourceLine line : curation.lines()) {
      long[] outcome = new long[4]; // quarantined, rejected, filtered, deduplicated
      Map<String, Long> reasons = new TreeMap<>();
      line.removed().forEach((key, n) -> {
        int colon = key.indexOf(": ");
        String kind = colon < 0 ? key : key.substring(0, colon);
        int at = CurationReport.OUTCOMES.indexOf(kind);
        if (at >= 0) {
          outcome[at] += n;
        }
        reasons.merge(key, n, Long::sum);
      });
      long[] trained = trainedBySource.getOrDefault(line.source(), new long[3]);
      funnel.add(new FunnelRow(line.source(), line.in(), outcome[0], outcome[1], outcome[2], outcome[3], line.kept(),
          reasons, line.changed(), trained[0], trained[2], line.conserved()));
      conserved &= line.conserved();
      total[0] += line.in();
      total[1] += line.kept();
      for (int i = 0; i < 4; i++) {
        total[2 + i] += outcome[i];
      }
      total[6] += trained[0];
      total[7] += trained[2];
    }
    // sources that only appear among the trained documents (no tally: data made before tallies existed)
    for (Map.Entry<String, long[]> e : trainedBySource.entrySet()) {
      if (funnel.stream().noneMatch(f -> f.source().equals(e.getKey()))) {
        funnel.add(new FunnelRow(e.getKey(), 0, 0, 0, 0, 0, 0, Map.of(), Map.of(), e.getValue()[0], e.getValue()[2],
            false));
        total[6] += e.getValue()[0];
        total[7] += e.getValue()[2];
        conserved = false;
      }
    }
    funnel.sort(java.util.Comparator.comparing(FunnelRow::source));

    Set<String> sourceIds = new TreeSet<>();
    funnel.forEach(f -> sourceIds.add(f.source()));
    Map<String, String> kinds = q.contentKinds(sourceIds);
    List<SourceRow> sources = new ArrayList<>();
    for (Source s : q.sources(sourceIds)) {
      sources.add(new SourceRow(s.sourceId(), s.registry(), s.packageName(), s.packageVersion(), s.checksumAlgo(),
          s.checksum(), s.license(), s.jurisdiction(), kinds.get(s.sourceId()), s.files(), s.bytes(), s.fetchedAt()));
    }
    for (String id : sourceIds) { // a source named by documents but never fetched through the registry
      if (sources.stream().noneMatch(s -> s.source().equals(id))) {
        sources.add(new SourceRow(id, null, null, null, null, null, null, null, null, 0, 0, null));
      }
    }
    sources.sort(java.util.Comparator.comparing(SourceRow::source));

    List<LicenseRow> licenses = new ArrayList<>();
    byLicense.forEach((k, v) -> licenses.add(new LicenseRow(k.get(0), k.get(1), v[0], v[2])));
    List<LanguageRow> languages = new ArrayList<>();
    byLanguage.forEach((k, v) -> languages.add(new LanguageRow(k.get(0), k.get(1), v[0], v[2])));
    List<CountRow> jurisdictions = new ArrayList<>();
    byJurisdiction.forEach((k, v) -> jurisdictions.add(new CountRow(k, v[0], v[2])));

    List<ArtifactRow> artifacts = new ArrayList<>();
    Map<List<String>, long[]> stored = new TreeMap<>(AuditReport::compareKeys);
    Map<List<String>, String> endpoints = new LinkedHashMap<>();
    for (Artifact x : scope.artifacts()) {
      artifacts.add(new ArtifactRow(x.uri(), x.kind(), x.runId(), x.step(), x.sha256(), x.sizeBytes(), x.region()));
      List<String> key = java.util.Arrays.asList(x.step() == null ? "corpus" : x.step(), bucketOf(x.uri()),
          x.region());
      long[] v = stored.computeIfAbsent(key, k -> new long[2]);
      v[0]++;
      v[1] += x.sizeBytes();
      endpoints.putIfAbsent(key, x.storageEndpoint());
    }
    List<StorageRow> storage = new ArrayList<>();
    stored.forEach((k, v) -> storage.add(new StorageRow(k.get(0), k.get(1), endpoints.get(k), k.get(2), v[0], v[1])));

    List<ProcessingRow> processing = new ArrayList<>();
    for (ExecutionGroup g : q.executions(scope)) {
      processing.add(new ProcessingRow(g.runId(), g.step(), g.activity(), g.codeVersion(), g.taskQueue(),
          g.workerHost(), g.workerRegion(), g.outcome(), g.executions()));
    }

    List<RunRow> runRows = new ArrayList<>();
    for (Run r : runs) {
      runRows.add(new RunRow(r.runId(), r.recipe(), r.status(), r.startedAt(), r.finishedAt(), r.scheduleId(),
          parse(r.requestJson())));
    }
    runRows.sort(java.util.Comparator.comparing(RunRow::runId));

    List<Edge> graph = new ArrayList<>();
    scope.inputs().forEach((artifact, ins) -> ins.forEach(in -> graph.add(new Edge(artifact, in))));

    Long ingestIn = ingestRecordsIn(jdbc, scope);
    Set<String> storageRegions = new TreeSet<>();
    storage.forEach(s -> storageRegions.add(String.valueOf(s.region())));
    Set<String> processingRegions = new TreeSet<>();
    processing.forEach(p -> processingRegions.add(p.workerRegion() == null ? UNASSIGNED : p.workerRegion()));
    Summary summary = new Summary(total[0], total[1], total[2], total[3], total[4], total[5],
        q.dedupDropsByKind(scope), total[6], total[7],
        ingestIn, conserved && (ingestIn == null || ingestIn == total[0]), sources.size(),
        distinct(licenses.stream().map(LicenseRow::license).toList()),
        distinct(jurisdictions.stream().map(CountRow::key).toList()),
        distinct(languages.stream().map(l -> l.detected() == null ? l.declared() : l.detected()).toList()),
        List.copyOf(storageRegions), List.copyOf(processingRegions));

    List<Map<String, Object>> policy = new ArrayList<>();
    PlacementRepository placements = new PlacementRepository(jdbc);
    for (Run r : runs) {
      for (PlacementRepository.Decision d : placements.decisions(r.runId())) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("run", d.runId());
        row.put("source", d.source());
        row.put("jurisdiction", d.jurisdiction());
        row.put("step", d.step());
        row.put("decision", d.decision());
        row.put("region", d.region());
        row.put("taskQueue", d.taskQueue());
        row.put("bucket", d.bucket());
        row.put("rule", d.rule());
        row.put("policySha256", d.policySha256());
        policy.add(row);
      }
    }

    Integrity integrity = null;
    if (a.runId() != null) {
      integrity = new LineageSeal(jdbc.getDataSource()).latest(a.runId()).map(seal -> new Integrity(a.runId(),
          seal.root(), String.valueOf(seal.sealedAt()), "Seal " + seal.sealNo() + " over " + seal.records()
              + " lineage records; check it with ./pretrain audit verify " + a.runId() + "."))
          .orElse(new Integrity(a.runId(), null, null, "The run is not sealed (it has not finished)."));
    }

    return Optional.of(new AuditReport(FORMAT, Instant.now(), subject, summary, sources, funnel, licenses, languages,
        jurisdictions, storage, processing, runRows, artifacts, graph, policy, integrity));
  }

  /**
   * records_in of the ingest step, when the subject's data is all of one run's ingest partitions (a
   * shard's report covers one partition: the step's total is not its total).
   */
  private static Long ingestRecordsIn(JdbcTemplate jdbc, Scope scope) {
    if (scope.ingestParts().size() != 1) {
      return null;
    }
    String run = scope.ingestParts().keySet().iterator().next();
    List<String> counts = jdbc.queryForList("SELECT counts_json FROM steps WHERE run_id = ? AND step = 'ingest'",
        String.class, run);
    if (counts.isEmpty() || counts.get(0) == null) {
      return null;
    }
    JsonNode n = parse(counts.get(0));
    if (n == null || !n.has("records_in") || !n.has("partitions")
        || n.get("partitions").asInt() != scope.ingestParts().get(run).size()) {
      return null;
    }
    return n.get("records_in").asLong();
  }

  private static void add(Map<String, long[]> m, String key, DocGroup g) {
    long[] v = m.computeIfAbsent(key, k -> new long[3]);
    v[0] += g.documents();
    v[1] += g.chars();
    v[2] += g.tokens();
  }

  private static void add(Map<List<String>, long[]> m, List<String> key, DocGroup g) {
    long[] v = m.computeIfAbsent(key, k -> new long[3]);
    v[0] += g.documents();
    v[1] += g.chars();
    v[2] += g.tokens();
  }

  private static List<String> distinct(List<String> values) {
    Set<String> s = new TreeSet<>();
    values.forEach(v -> s.add(String.valueOf(v)));
    return List.copyOf(s);
  }

  static String bucketOf(String uri) {
    if (uri.startsWith("s3://")) {
      int slash = uri.indexOf('/', 5);
      return slash < 0 ? uri.substring(5) : uri.substring(5, slash);
    }
    int colon = uri.indexOf(':');
    return colon < 0 ? "(local)" : uri.substring(0, colon) + ":";
  }

  private static JsonNode parse(String json) {
    if (json == null) {
      return null;
    }
    try {
      return JSON.readTree(json);
    } catch (java.io.IOException e) {
      return JSON.getNodeFactory().textNode(json);
    }
  }

  private static int compareKeys(List<String> a, List<String> b) {
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      int c = String.valueOf(a.get(i)).compareTo(String.valueOf(b.get(i)));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }
}
