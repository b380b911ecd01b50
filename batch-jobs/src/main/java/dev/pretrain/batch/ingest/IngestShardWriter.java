package dev.pretrain.batch.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.batch.curate.CurationNote;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.curation.CurationRepository;
import dev.pretrain.db.documents.DocumentRepository;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.db.storage.RunObjectKeys;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ItemWriter;

/**
 * Writes kept documents to JSONL shards (rolled at the target size, uploaded to deterministic keys)
 * and bad records to the partition's quarantine file; inserts documents and shard membership as it
 * goes. {@link #finish} (the job's last step) uploads what is left and records lineage: the input
 * files, each shard with its inputs, and the quarantine rows.
 *
 * <p>Shard bytes depend only on the input bytes, their order and the shard target: no timestamps,
 * attempt numbers or host names, so a redone partition rewrites identical objects.
 */
public class IngestShardWriter implements ItemWriter<IngestOutcome> {

  public static final String KIND_DOCUMENTS = "documents";
  public static final String KIND_QUARANTINE = "quarantine";
  public static final String KIND_INPUT_FILE = "input-file";
  /** Documents curation removed, each with its rule, measured value and threshold. */
  public static final String KIND_REJECTS = "rejects";
  /** Decision recorded for a kept document whose text had control characters removed. */
  public static final String DECISION_NORMALIZED = "normalized";
  /** The step name of curation's decisions (curation runs inside the ingest job). */
  public static final String CURATE_STEP = "curate";
  /** Curation decision on a document a rule removed. */
  public static final String DECISION_FILTERED = "filtered";
  /** Curation decision on a kept document whose text curation changed (PII replaced, lines removed). */
  public static final String DECISION_CHANGED = "changed";
  /** Tally outcomes: every record ends in exactly one of the first four; the last two are flags on kept ones. */
  public static final String KEPT = "kept";
  public static final String FILTERED = "filtered";
  public static final String CHANGED = "changed";
  public static final String FLAGGED = "flagged";
  private static final Pattern NUMBER = Pattern.compile("(?<![\\w-])\\d+(?![\\w-])");
  private static final Pattern QUOTED = Pattern.compile("(?<!field )'[^']*'");
  private static final String JSONL = "application/x-ndjson";

  private static final JsonFactory JSON = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
      .build();
  private static final ObjectMapper READ_BACK = new ObjectMapper(JSON);

  private record Shard(ObjectStore.Stored stored, Set<String> inputs) {}

  private final IngestJob.Request request;
  private final Path dir;
  private final ObjectStore store;
  private final DocumentRepository documents;
  private final ArtifactRepository artifacts;
  private final CurationRepository curation;
  private final ByteArrayOutputStream lineBuffer = new ByteArrayOutputStream(1 << 16);

  // the open shard
  private OutputStream shardOut;
  private Path shardFile;
  private long shardBytes;
  private List<DocumentRepository.Membership> shardMembers;
  private Set<String> shardInputs;
  private final List<Shard> shards = new ArrayList<>();

  private OutputStream quarantineOut;
  private final Path quarantineFile;
  private final Set<String> filesWithBadRecords = new TreeSet<>();

  private OutputStream rejectsOut;
  private final Path rejectsFile;
  private final List<DocumentRepository.Membership> rejectMembers = new ArrayList<>();
  private final Set<String> filesWithRejects = new TreeSet<>();

  private final Map<String, InputFileCursor.Digest> digests = new HashMap<>();
  private long kept;
  private long rejected;
  private long quarantined;
  private long filtered;
  private long redacted;
  // per source (documents) or input file (bad records, whose source may be unreadable): [key, outcome, reason] -> n
  private final Map<List<String>, Long> tally = new TreeMap<>(IngestShardWriter::compareKeys);
  private final Map<List<String>, Long> badTally = new TreeMap<>(IngestShardWriter::compareKeys);
  private final Map<String, Set<String>> sourcesByFile = new HashMap<>();
  private boolean cleared;

  public IngestShardWriter(IngestJob.Request request, Path dir, ObjectStore store, DocumentRepository documents,
      ArtifactRepository artifacts, CurationRepository curation) {
    this.request = request;
    this.dir = dir;
    this.store = store;
    this.documents = documents;
    this.artifacts = artifacts;
    this.curation = curation;
    this.quarantineFile = dir.resolve("quarantine.jsonl");
    this.rejectsFile = dir.resolve("rejects.jsonl");
  }

  @Override
  public void write(Chunk<? extends IngestOutcome> chunk) throws IOException {
    if (!cleared) { // an earlier attempt of this partition may have left rows; this one writes them all again
      curation.clearPartition(request.runId(), request.partition());
      documents.clearRunPartition(request.runId(), request.partition());
      cleared = true;
    }
    List<DocumentRepository.Document> docs = new ArrayList<>(chunk.size());
    List<DocumentRepository.RunDocument> runDocs = new ArrayList<>(chunk.size());
    List<DocumentRepository.Decision> changes = new ArrayList<>();
    List<DocumentRepository.Decision> curated = new ArrayList<>();
    List<CurationRepository.RuleDecision> rules = new ArrayList<>();
    for (IngestOutcome outcome : chunk) {
      if (outcome instanceof IngestOutcome.Kept k) {
        writeDocument(k);
        if (k.change() != null) { // a kept document whose text ingest changed: the change is recorded (lineage)
          changes.add(new DocumentRepository.Decision(k.id(), DECISION_NORMALIZED, k.change(), null));
        }
        docs.add(documentRow(k));
        runDocs.add(runDocument(docs.get(docs.size() - 1), k.curation(), DocumentRepository.KEPT));
        count(k.source(), KEPT, "");
        if (k.curation() != null) {
          noteCuration(k, rules, curated);
        }
        kept++;
      } else if (outcome instanceof IngestOutcome.Filtered f) {
        IngestOutcome.Kept k = f.document();
        writeRejected(f);
        docs.add(documentRow(k)); // a removed document is still a document: lineage answers why it was removed
        runDocs.add(runDocument(docs.get(docs.size() - 1), f.notes(), DocumentRepository.FILTERED));
        curated.add(new DocumentRepository.Decision(k.id(), DECISION_FILTERED, f.rejection().describe(), null));
        rules.addAll(ruleRows(k.id(), f.notes()));
        count(k.source(), FILTERED, f.rejection().rule());
        filtered++;
      } else if (outcome instanceof IngestOutcome.Bad b) {
        writeBad(b);
        badTally.merge(List.of(b.fileUri(), b.disposition(), category(b.reason())), 1L, Long::sum);
        if (IngestOutcome.REJECTED.equals(b.disposition())) {
          rejected++;
        } else {
          quarantined++;
        }
      }
    }
    documents.upsert(docs); // an id known from an earlier run takes this version; the run's own is in run_documents
    documents.recordRunDocuments(request.runId(), runDocs);
    if (!changes.isEmpty()) {
      documents.recordDecisions(request.runId(), IngestJob.STEP, changes);
    }
    if (!curated.isEmpty()) {
      documents.recordDecisions(request.runId(), CURATE_STEP, curated);
    }
    curation.record(request.runId(), request.partition(), rules);
  }

  private DocumentRepository.RunDocument runDocument(DocumentRepository.Document d, List<CurationNote> notes,
      String outcome) {
    return new DocumentRepository.RunDocument(d, request.partition(), detectedLanguage(notes), outcome);
  }

  /** The language curation identified: the detail of its language.detected note ("und (best guess xx)" → und). */
  private static String detectedLanguage(List<CurationNote> notes) {
    if (notes == null) {
      return null;
    }
    for (CurationNote n : notes) {
      if ("language.detected".equals(n.rule()) && n.detail() != null) {
        int space = n.detail().indexOf(' ');
        return space < 0 ? n.detail() : n.detail().substring(0, space);
      }
    }
    return null;
  }

  private DocumentRepository.Document documentRow(IngestOutcome.Kept k) {
    sourcesByFile.computeIfAbsent(k.fileUri(), f -> new TreeSet<>()).add(k.source());
    return new DocumentRepository.Document(k.id(), k.source(), k.sourceVersion(), k.path(), k.license(),
        k.language(), k.jurisdiction(), k.sha256(), k.text().codePointCount(0, k.text().length()), k.fileUri(),
        k.line(), request.runId(), k.url(), k.fetchedAt());
  }

  /** A kept document's curation rows; a text change (PII, removed lines) is also a decision, with its reasons. */
  private void noteCuration(IngestOutcome.Kept k, List<CurationRepository.RuleDecision> rules,
      List<DocumentRepository.Decision> curated) {
    rules.addAll(ruleRows(k.id(), k.curation()));
    StringBuilder changed = new StringBuilder();
    boolean pii = false;
    for (CurationNote n : k.curation()) {
      boolean redaction = CurationRepository.REDACTED.equals(n.action());
      if (redaction || CurationRepository.REMOVED_LINES.equals(n.action())) {
        changed.append(changed.length() == 0 ? "" : "; ").append(n.describe());
        count(k.source(), CHANGED, n.rule());
        pii |= redaction;
      } else if (CurationRepository.MISMATCH.equals(n.action())) {
        count(k.source(), FLAGGED, n.rule());
      }
    }
    if (changed.length() > 0) {
      curated.add(new DocumentRepository.Decision(k.id(), DECISION_CHANGED, changed.toString(), null));
    }
    if (pii) {
      redacted++;
    }
  }

  private static List<CurationRepository.RuleDecision> ruleRows(String docId, List<CurationNote> notes) {
    List<CurationRepository.RuleDecision> rows = new ArrayList<>(notes.size());
    for (CurationNote n : notes) {
      rows.add(new CurationRepository.RuleDecision(docId, n.rule(), n.action(), n.measured(), n.threshold(),
          n.detail()));
    }
    return rows;
  }

  private void count(String source, String outcome, String reason) {
    tally.merge(List.of(source, outcome, reason), 1L, Long::sum);
  }

  /**
   * A reason without its particulars (positions, ids, sizes), so that records refused for the same
   * cause count together: "invalid JSON at column 7: ..." -> "invalid JSON at column N".
   */
  static String category(String reason) {
    String r = reason;
    int cut = r.length();
    for (String stop : new String[] {":", " (", " - "}) {
      int i = r.indexOf(stop);
      if (i > 0 && i < cut) {
        cut = i;
      }
    }
    r = QUOTED.matcher(r.substring(0, cut)).replaceAll("").replaceAll("\\s+", " ").trim();
    r = NUMBER.matcher(r).replaceAll("N");
    return r.length() <= 128 ? r : r.substring(0, 128);
  }

  private static int compareKeys(List<String> a, List<String> b) {
    for (int i = 0; i < a.size(); i++) {
      int c = a.get(i).compareTo(b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  /** Tally rows of the partition; a bad record counts for its file's source when the file holds one source. */
  private List<CurationRepository.Tally> tallyRows() {
    Map<List<String>, Long> all = new TreeMap<>(IngestShardWriter::compareKeys);
    all.putAll(tally);
    badTally.forEach((key, n) -> {
      Set<String> sources = sourcesByFile.getOrDefault(key.get(0), Set.of());
      String source = sources.size() == 1 ? sources.iterator().next()
          : truncate(IngestRecordProcessor.fileName(key.get(0)), 128);
      all.merge(List.of(source, key.get(1), key.get(2)), n, Long::sum);
    });
    List<CurationRepository.Tally> rows = new ArrayList<>();
    all.forEach((key, n) -> rows.add(new CurationRepository.Tally(key.get(0), key.get(1), key.get(2), n)));
    return rows;
  }

  private static String truncate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max);
  }

  /** The reader reports each input file's stored digest once it has read all of it. */
  public void inputFileRead(InputFileCursor.Digest digest) {
    digests.put(digest.uri(), digest);
  }

  /** Closes and uploads what is open, records lineage and quarantine rows; returns the partition's result. */
  public IngestJob.Result finish() throws IOException {
    if (shardOut != null) {
      rollShard();
    }
    ObjectStore.Stored quarantine = null;
    if (quarantineOut != null) {
      quarantineOut.close();
      quarantine = store.putFile(request.bucket(), RunObjectKeys.ingestQuarantine(request.runId(), request.partition()),
          quarantineFile, JSONL);
    }
    ObjectStore.Stored rejects = null;
    if (rejectsOut != null) {
      rejectsOut.close();
      rejects = store.putFile(request.bucket(), RunObjectKeys.ingestRejects(request.runId(), request.partition()),
          rejectsFile, JSONL);
    }
    long bytesIn = 0;
    for (IngestJob.Input input : request.inputs()) {
      InputFileCursor.Digest digest = digests.get(input.uri());
      if (digest == null) {
        throw new IllegalStateException("input " + input.uri() + " was never read to its end");
      }
      registerInputFile(digest);
      bytesIn += digest.sizeBytes();
    }
    // Shards were recorded when uploaded; now that the inputs have rows, add the lineage edges.
    for (Shard shard : shards) {
      artifacts.record(artifact(shard.stored(), KIND_DOCUMENTS), shard.inputs());
    }
    if (quarantine != null) {
      artifacts.record(artifact(quarantine, KIND_QUARANTINE), filesWithBadRecords);
    }
    if (rejects != null) {
      artifacts.record(artifact(rejects, KIND_REJECTS), filesWithRejects);
      documents.replaceMembers(rejects.uri(), rejectMembers);
    }
    recordQuarantineRows();
    curation.replaceTally(request.runId(), IngestJob.STEP, request.partition(), tallyRows());
    long recordsIn = kept + rejected + quarantined + filtered;
    return new IngestJob.Result(request.partition(), recordsIn, kept, rejected, quarantined, bytesIn,
        shards.stream().map(Shard::stored).toList(), quarantine, filtered, redacted, rejects);
  }

  private void writeDocument(IngestOutcome.Kept k) throws IOException {
    if (shardOut == null) {
      shardFile = dir.resolve(String.format("docs-%03d.jsonl", shards.size()));
      shardOut = new BufferedOutputStream(Files.newOutputStream(shardFile), 1 << 16);
      shardBytes = 0;
      shardMembers = new ArrayList<>();
      shardInputs = new TreeSet<>();
    }
    // field order is part of the format (and of the shard's digest)
    byte[] line = jsonLine(g -> {
      g.writeStringField("id", k.id());
      g.writeStringField("text", k.text());
      g.writeStringField("source", k.source());
      g.writeStringField("source_version", k.sourceVersion());
      g.writeStringField("path", k.path());
      g.writeStringField("license", k.license());
      g.writeStringField("language", k.language());
      g.writeStringField("jurisdiction", k.jurisdiction());
      if (k.url() != null) { // only when known: shards of inputs without them stay byte-identical
        g.writeStringField("url", k.url());
      }
      if (k.fetchedAt() != null) {
        g.writeStringField("fetched_at", k.fetchedAt());
      }
      g.writeStringField("sha256", k.sha256());
      if (k.curation() != null) { // what curation measured and did, beside the text it applies to
        writeCuration(g, k.curation());
      }
    });
    shardOut.write(line);
    shardBytes += line.length;
    shardMembers.add(new DocumentRepository.Membership(k.id(), shardMembers.size(), null, null));
    shardInputs.add(k.fileUri());
    if (shardBytes >= request.shardTargetBytes()) {
      rollShard();
    }
  }

  private void rollShard() throws IOException {
    shardOut.close();
    shardOut = null;
    String key = RunObjectKeys.ingestShard(request.runId(), request.partition(), shards.size());
    ObjectStore.Stored stored = store.putFile(request.bucket(), key, shardFile, JSONL);
    artifacts.record(artifact(stored, KIND_DOCUMENTS), List.of());
    documents.replaceMembers(stored.uri(), shardMembers);
    shards.add(new Shard(stored, shardInputs));
    Files.deleteIfExists(shardFile);
    shardMembers = null;
    shardInputs = null;
  }

  /** {@code "curation": {"<rule>": {"action", "measured", "threshold", "detail"}, ...}}, in the order curation ran. */
  private static void writeCuration(JsonGenerator g, List<CurationNote> notes) throws IOException {
    g.writeObjectFieldStart("curation");
    for (CurationNote n : notes) {
      g.writeObjectFieldStart(n.rule());
      g.writeStringField("action", n.action());
      if (n.measured() != null) {
        g.writeNumberField("measured", n.measured());
      }
      if (n.threshold() != null) {
        g.writeStringField("threshold", n.threshold());
      }
      if (n.detail() != null) {
        g.writeStringField("detail", n.detail());
      }
      g.writeEndObject();
    }
    g.writeEndObject();
  }

  /** One line per removed document: the rule, what it measured, the threshold, and the text as it was. */
  private void writeRejected(IngestOutcome.Filtered f) throws IOException {
    if (rejectsOut == null) {
      rejectsOut = new BufferedOutputStream(Files.newOutputStream(rejectsFile), 1 << 16);
    }
    IngestOutcome.Kept k = f.document();
    CurationNote rule = f.rejection();
    rejectsOut.write(jsonLine(g -> {
      g.writeStringField("id", k.id());
      g.writeStringField("source", k.source());
      g.writeStringField("path", k.path());
      g.writeStringField("rule", rule.rule());
      if (rule.measured() == null) {
        g.writeNullField("measured");
      } else {
        g.writeNumberField("measured", rule.measured());
      }
      g.writeStringField("threshold", rule.threshold());
      g.writeStringField("rule_set", f.ruleSet());
      g.writeStringField("detail", rule.detail());
      g.writeStringField("sha256", k.sha256());
      g.writeStringField("text", k.text());
      writeCuration(g, f.notes());
    }));
    rejectMembers.add(new DocumentRepository.Membership(k.id(), rejectMembers.size(), null, null));
    filesWithRejects.add(k.fileUri());
  }

  private void writeBad(IngestOutcome.Bad b) throws IOException {
    if (quarantineOut == null) {
      quarantineOut = new BufferedOutputStream(Files.newOutputStream(quarantineFile), 1 << 16);
    }
    quarantineOut.write(jsonLine(g -> {
      g.writeStringField("file", b.fileUri());
      g.writeNumberField("line", b.line());
      g.writeNumberField("byte_offset", b.byteOffset());
      g.writeStringField("disposition", b.disposition());
      g.writeStringField("reason", b.reason());
      g.writeStringField("preview", b.preview());
    }));
    filesWithBadRecords.add(b.fileUri());
  }

  /**
   * An input without a row (a local file, an S3 object not registered by a corpus fetch) is recorded
   * with the digest read now. A registered corpus object whose bytes changed is refused: the lineage
   * would point at bytes that no longer exist. A file that only an earlier ingest registered follows
   * its current bytes (local files get edited between runs).
   */
  private void registerInputFile(InputFileCursor.Digest d) {
    Optional<ArtifactRepository.Artifact> existing = artifacts.find(d.uri());
    if (existing.isPresent() && existing.get().sha256().equals(d.sha256())) {
      return;
    }
    if (existing.isPresent() && !KIND_INPUT_FILE.equals(existing.get().kind())) {
      throw new IngestInputException("input " + d.uri() + " changed since it was registered as "
          + existing.get().kind() + ": registered SHA-256 " + existing.get().sha256() + ", read " + d.sha256());
    }
    boolean s3 = d.uri().startsWith("s3://");
    artifacts.record(new ArtifactRepository.Artifact(d.uri(), d.sha256(), d.sizeBytes(), KIND_INPUT_FILE, null, null,
        s3 ? store.endpoint() : null, s3 ? store.region() : null, Instant.now()), List.of());
  }

  /** Replaces the quarantine rows of every input file of the partition, streaming them from the local file. */
  private void recordQuarantineRows() throws IOException {
    for (IngestJob.Input input : request.inputs()) {
      documents.replaceQuarantine(request.runId(), IngestJob.STEP, input.uri(), List.of());
    }
    if (!Files.exists(quarantineFile)) {
      return;
    }
    List<DocumentRepository.Quarantined> batch = new ArrayList<>();
    try (BufferedReader in = Files.newBufferedReader(quarantineFile, StandardCharsets.UTF_8)) {
      for (String line; (line = in.readLine()) != null; ) {
        JsonNode n = READ_BACK.readTree(line);
        batch.add(new DocumentRepository.Quarantined(n.get("file").asText(), n.get("line").asLong(),
            n.get("byte_offset").asLong(), n.get("disposition").asText(), n.get("reason").asText()));
        if (batch.size() == 1000) {
          documents.appendQuarantine(request.runId(), IngestJob.STEP, batch);
          batch.clear();
        }
      }
    }
    documents.appendQuarantine(request.runId(), IngestJob.STEP, batch);
  }

  private ArtifactRepository.Artifact artifact(ObjectStore.Stored s, String kind) {
    return new ArtifactRepository.Artifact(s.uri(), s.sha256(), s.sizeBytes(), kind, request.runId(), IngestJob.STEP,
        store.endpoint(), store.region(), Instant.now());
  }

  @FunctionalInterface
  private interface Fields {
    void write(JsonGenerator g) throws IOException;
  }

  private byte[] jsonLine(Fields fields) {
    lineBuffer.reset();
    try (JsonGenerator g = JSON.createGenerator(lineBuffer)) {
      g.writeStartObject();
      fields.write(g);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    lineBuffer.write('\n');
    return lineBuffer.toByteArray();
  }
}
