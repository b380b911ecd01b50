package dev.pretrain.batch.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pretrain.db.artifacts.ArtifactRepository;
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
import java.util.TreeSet;
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
  /** Decision recorded for a kept document whose text had control characters removed. */
  public static final String DECISION_NORMALIZED = "normalized";
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

  private final Map<String, InputFileCursor.Digest> digests = new HashMap<>();
  private long kept;
  private long rejected;
  private long quarantined;

  public IngestShardWriter(IngestJob.Request request, Path dir, ObjectStore store, DocumentRepository documents,
      ArtifactRepository artifacts) {
    this.request = request;
    this.dir = dir;
    this.store = store;
    this.documents = documents;
    this.artifacts = artifacts;
    this.quarantineFile = dir.resolve("quarantine.jsonl");
  }

  @Override
  public void write(Chunk<? extends IngestOutcome> chunk) throws IOException {
    List<DocumentRepository.Document> docs = new ArrayList<>(chunk.size());
    List<DocumentRepository.Decision> changes = new ArrayList<>();
    for (IngestOutcome outcome : chunk) {
      if (outcome instanceof IngestOutcome.Kept k) {
        writeDocument(k);
        if (k.change() != null) { // a kept document whose text ingest changed: the change is recorded (lineage)
          changes.add(new DocumentRepository.Decision(k.id(), DECISION_NORMALIZED, k.change(), null));
        }
        docs.add(new DocumentRepository.Document(k.id(), k.source(), k.sourceVersion(), k.path(), k.license(),
            k.language(), k.jurisdiction(), k.sha256(), k.text().codePointCount(0, k.text().length()), k.fileUri(),
            k.line(), request.runId(), k.url(), k.fetchedAt()));
        kept++;
      } else if (outcome instanceof IngestOutcome.Bad b) {
        writeBad(b);
        if (IngestOutcome.REJECTED.equals(b.disposition())) {
          rejected++;
        } else {
          quarantined++;
        }
      }
    }
    documents.insertNew(docs); // a document id already known (an earlier run) keeps its first row
    if (!changes.isEmpty()) {
      documents.recordDecisions(request.runId(), IngestJob.STEP, changes);
    }
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
    recordQuarantineRows();
    long recordsIn = kept + rejected + quarantined;
    return new IngestJob.Result(request.partition(), recordsIn, kept, rejected, quarantined, bytesIn,
        shards.stream().map(Shard::stored).toList(), quarantine);
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
