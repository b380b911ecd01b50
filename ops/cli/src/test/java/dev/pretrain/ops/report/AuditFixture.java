package dev.pretrain.ops.report;

import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.artifacts.ArtifactRepository.Artifact;
import dev.pretrain.db.cache.StepCacheRepository;
import dev.pretrain.db.curation.CurationRepository;
import dev.pretrain.db.curation.CurationRepository.RuleDecision;
import dev.pretrain.db.curation.CurationRepository.Tally;
import dev.pretrain.db.documents.DocumentRepository;
import dev.pretrain.db.documents.DocumentRepository.Decision;
import dev.pretrain.db.documents.DocumentRepository.Document;
import dev.pretrain.db.documents.DocumentRepository.Membership;
import dev.pretrain.db.documents.DocumentRepository.RunDocument;
import dev.pretrain.db.documents.SourceRepository;
import dev.pretrain.db.lineage.AuditQueries;
import dev.pretrain.db.runs.RunRepository;
import dev.pretrain.db.storage.RunObjectKeys;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A synthetic run's lineage rows, as the pipeline's steps write them (through the same repositories):
 * sources with registry checksums, corpus files, ingest partitions whose documents are kept,
 * filtered by a curation rule or quarantined, dedup's drops with their kept twins, token shards with
 * each document's token range, a model with the tokens it read of each document, and its quantized
 * model. Deterministic: the same arguments give the same rows, so tests can check exact figures.
 */
public final class AuditFixture {

  public static final String BUCKET = "pretrain-audit";
  public static final String[] LICENSES = {"GPL-2.0-only", "MIT", "CC-BY-4.0", "PSF-2.0"};
  public static final String[] JURISDICTIONS = {"EU", "US"};

  /** What the fixture wrote, to check a report against. */
  public record Built(String runId, String modelUri, String quantizedUri, long documents, long quarantined,
      long filtered, long deduplicated, long kept, long trainedDocuments, long trainedTokens,
      Map<String, long[]> perSource, List<String> keptDocIds, List<String> filteredDocIds,
      List<String> duplicateDocIds) {

    /** The first of each kind, for tests. */
    public String keptDocId() {
      return keptDocIds.get(0);
    }

    public String filteredDocId() {
      return filteredDocIds.get(0);
    }

    public String duplicateDocId() {
      return duplicateDocIds.get(0);
    }
  }

  // samples of each kind of document, spread over the run, so a benchmark can ask about a different one each round
  private static final int SAMPLES = 16;

  private AuditFixture() {}

  /**
   * Writes a run over {@code documents} documents from {@code sources} sources in {@code partitions}
   * ingest partitions: every 50th record of a source quarantined, every 10th document of a source filtered, every 12th kept
   * one a duplicate of its predecessor, every document kept by dedup trained on.
   */
  public static Built build(JdbcTemplate jdbc, String runId, int documents, int sources, int partitions) {
    ArtifactRepository artifacts = new ArtifactRepository(jdbc);
    DocumentRepository docs = new DocumentRepository(jdbc);
    CurationRepository curation = new CurationRepository(jdbc);
    SourceRepository sourceRepo = new SourceRepository(jdbc);
    RunRepository runs = new RunRepository(jdbc);
    StepCacheRepository executions = new StepCacheRepository(jdbc);
    Instant now = Instant.parse("2026-12-07T10:00:00Z");
    String base = "s3://" + BUCKET + "/";
    runs.started(runId, "pretrain-" + runId, "audit-bench", "{\"recipe\":\"audit-bench\",\"runId\":\"" + runId + "\"}",
        now);

    List<String> sourceIds = new ArrayList<>();
    for (int s = 0; s < sources; s++) {
      String id = String.format("source-%02d", s);
      sourceIds.add(id);
      sourceRepo.upsert(new SourceRepository.Source(id, "debian", "pkg-" + s, "1." + s, "sha256", hex(s, 64),
          LICENSES[s % LICENSES.length], JURISDICTIONS[s % JURISDICTIONS.length], 2, 1_000_000L + s, now));
    }
    // each source's documents come in two corpus files
    List<String> corpusFiles = new ArrayList<>();
    for (String id : sourceIds) {
      for (int f = 0; f < 2; f++) {
        String uri = "s3://corpus/" + id + "/part-" + f + ".jsonl";
        corpusFiles.add(uri);
        artifacts.record(new Artifact(uri, hex(corpusFiles.size(), 64), 500_000, "input-file", null, null,
            "http://127.0.0.1:9000", "eu-1", now), List.of());
      }
    }

    Map<String, long[]> perSource = new TreeMap<>(); // in, quarantined, filtered, deduplicated, kept, tokens
    long quarantined = 0;
    long filtered = 0;
    long deduplicated = 0;
    long tokens = 0;
    List<String> dedupShards = new ArrayList<>();
    List<String> tokenShards = new ArrayList<>();
    List<Membership> modelRows = new ArrayList<>();
    List<String> keptDocs = new ArrayList<>();
    List<String> filteredDocs = new ArrayList<>();
    List<String> duplicateDocs = new ArrayList<>();
    int every = Math.max(1, documents / (SAMPLES * 4));
    for (int p = 0; p < partitions; p++) {
      List<RunDocument> runDocs = new ArrayList<>();
      List<Document> docRows = new ArrayList<>();
      List<Decision> curated = new ArrayList<>();
      List<Decision> dups = new ArrayList<>();
      List<RuleDecision> rules = new ArrayList<>();
      List<Membership> ingestRows = new ArrayList<>();
      List<Membership> dedupRows = new ArrayList<>();
      List<Membership> tokenRows = new ArrayList<>();
      Map<List<String>, Long> tally = new TreeMap<>(AuditFixture::compare);
      Map<List<String>, Long> dedupTally = new TreeMap<>(AuditFixture::compare);
      String previousKept = null;
      long tokenAt = 0;
      for (int i = p; i < documents; i += partitions) {
        int s = i % sources;
        String source = sourceIds.get(s);
        long[] ps = perSource.computeIfAbsent(source, k -> new long[6]);
        ps[0]++;
        if ((i / sources) % 50 == 49) { // a bad record: no document
          quarantined++;
          ps[1]++;
          tally.merge(List.of(source, "quarantined", "invalid JSON"), 1L, Long::sum);
          continue;
        }
        String id = source + "/doc-" + i;
        String corpusFile = corpusFiles.get(2 * s + (i / sources) % 2);
        Document d = new Document(id, source, "1." + s, "path/" + i + ".txt", LICENSES[(s + i) % LICENSES.length],
            "en", JURISDICTIONS[s % JURISDICTIONS.length], hex(i, 64), 1000 + i % 700, corpusFile, i / sources, runId);
        docRows.add(d);
        if ((i / sources) % 10 == 9) {
          filtered++;
          ps[2]++;
          sample(filteredDocs, id, i, every);
          runDocs.add(new RunDocument(d, p, "en", DocumentRepository.FILTERED));
          curated.add(new Decision(id, "filtered", "gopher_quality.stop_words = 1 (threshold >= 2)", null));
          rules.add(new RuleDecision(id, "gopher_quality.stop_words", "rejected", 1.0, ">= 2", null));
          tally.merge(List.of(source, "filtered", "gopher_quality.stop_words"), 1L, Long::sum);
          continue;
        }
        runDocs.add(new RunDocument(d, p, i % 7 == 0 ? "de" : "en", DocumentRepository.KEPT));
        rules.add(new RuleDecision(id, "language.detected", "detected", 0.9, "0.65", i % 7 == 0 ? "de" : "en"));
        tally.merge(List.of(source, "kept", ""), 1L, Long::sum);
        ingestRows.add(new Membership(id, ingestRows.size(), null, null));
        if (i % 12 == 11 && previousKept != null) {
          deduplicated++;
          ps[3]++;
          sample(duplicateDocs, id, i, every);
          dups.add(new Decision(id, "duplicate", "same text as " + previousKept, previousKept));
          dedupTally.merge(List.of(source, "deduplicated", "exact"), 1L, Long::sum);
          continue;
        }
        sample(keptDocs, id, i, every);
        previousKept = id;
        ps[4]++;
        dedupTally.merge(List.of(source, "kept", ""), 1L, Long::sum);
        dedupRows.add(new Membership(id, dedupRows.size(), null, null));
        long n = 200 + i % 300;
        tokenRows.add(new Membership(id, tokenRows.size(), tokenAt, tokenAt + n));
        tokenAt += n;
        modelRows.add(new Membership(id, modelRows.size(), null, null, n));
        ps[5] += n;
        tokens += n;
      }
      docs.upsert(docRows);
      docs.clearRunPartition(runId, p);
      docs.recordRunDocuments(runId, runDocs);
      docs.recordDecisions(runId, "curate", curated);
      curation.clearPartition(runId, p);
      curation.record(runId, p, rules);
      curation.replaceTally(runId, "ingest", p, tallyRows(tally));
      curation.replaceTally(runId, "dedup", p, tallyRows(dedupTally));
      docs.recordDecisions(runId, "dedup", dups);

      String shard = base + RunObjectKeys.ingestShard(runId, p, 0);
      artifacts.record(new Artifact(shard, hex(1000 + p, 64), 4_000_000, "documents", runId, "ingest",
          "http://127.0.0.1:9000", "eu-1", now), filesOfPartition(corpusFiles, p, partitions));
      docs.replaceMembers(shard, ingestRows);
      String dedupShard = base + "runs/" + runId + "/dedup/" + String.format("docs-%05d.jsonl", p);
      artifacts.record(new Artifact(dedupShard, hex(2000 + p, 64), 3_600_000, "documents", runId, "dedup",
          "http://127.0.0.1:9000", "eu-1", now), List.of(shard));
      docs.replaceMembers(dedupShard, dedupRows);
      dedupShards.add(dedupShard);
      String tokenShard = base + "runs/" + runId + "/tokenize/" + String.format("train-%05d.bin", p);
      artifacts.record(new Artifact(tokenShard, hex(3000 + p, 64), tokenAt * 2 + 1024, "tokens", runId, "tokenize",
          "http://127.0.0.1:9000", "eu-1", now), List.of(dedupShard));
      docs.replaceMembers(tokenShard, tokenRows);
      tokenShards.add(tokenShard);
      for (String step : List.of("ingest", "dedup", "tokenize")) {
        executions.recordExecution(new StepCacheRepository.Execution(runId, step, step + "Partition", 1,
            StepCacheRepository.COMPUTED, hex(p, 64), null, null, now, 1000L), new StepCacheRepository.Provenance(
            step + "-1", "{\"partition\":" + p + "}", "pretrain", "worker-" + (p % 2), "eu"));
      }
    }
    String model = base + "runs/" + runId + "/train/model.pt";
    artifacts.record(new Artifact(model, hex(4000, 64), 28_000_000, "model", runId, "train", "http://127.0.0.1:9000",
        "eu-1", now), tokenShards);
    docs.replaceMembers(model, modelRows);
    new AuditQueries(jdbc).recordComposition(model); // as the train step does
    String quantized = base + "runs/" + runId + "/quantize/model-q8_0.bin";
    artifacts.record(new Artifact(quantized, hex(5000, 64), 7_600_000, "quantized-model", runId, "quantize",
        "http://127.0.0.1:9000", "eu-1", now), List.of(model));
    runs.stepStarted(runId, "ingest", now);
    runs.stepFinished(runId, "ingest", "completed", "{\"partitions\":" + partitions + ",\"records_in\":" + documents + "}", 0, 1000, now);
    runs.finished(runId, "completed", null, now.plusSeconds(3600));
    long kept = documents - quarantined - filtered - deduplicated;
    return new Built(runId, model, quantized, documents, quarantined, filtered, deduplicated, kept, modelRows.size(),
        tokens, perSource, keptDocs, filteredDocs, duplicateDocs);
  }

  private static void sample(List<String> into, String id, int i, int every) {
    if (into.size() < SAMPLES && (into.isEmpty() || i % every < 12)) {
      into.add(id);
    }
  }

  private static List<String> filesOfPartition(List<String> files, int p, int partitions) {
    List<String> out = new ArrayList<>();
    for (int f = p; f < files.size(); f += partitions) {
      out.add(files.get(f));
    }
    return out;
  }

  private static List<Tally> tallyRows(Map<List<String>, Long> tally) {
    List<Tally> rows = new ArrayList<>();
    tally.forEach((k, n) -> rows.add(new Tally(k.get(0), k.get(1), k.get(2), n)));
    return rows;
  }

  private static int compare(List<String> a, List<String> b) {
    return String.join("\u0000", a).compareTo(String.join("\u0000", b));
  }

  private static String hex(long seed, int length) {
    StringBuilder sb = new StringBuilder();
    long x = seed * 0x9E3779B97F4A7C15L + 1;
    while (sb.length() < length) {
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
      sb.append(HexFormat.of().toHexDigits(x));
    }
    return sb.substring(0, length);
  }
}
