package dev.pretrain.activities;

import dev.pretrain.activities.train.TestData;
import dev.pretrain.batch.shards.ShardTestStack;
import dev.pretrain.batch.tokenize.LlmcTokenShard;
import dev.pretrain.batch.tokenize.TokenizeJobConfig;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.documents.DocumentRepository;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.db.storage.RunObjectKeys;
import dev.pretrain.workflows.ArtifactRef;
import dev.pretrain.workflows.train.TrainParams;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The real parts the model-step activity tests run against (S3Proxy, H2, DJL) and what the
 * tokenize step would have left for a run: r50k token shards of real text in S3, recorded as
 * artifacts made from a document shard, with each document's token range and the documents' rows.
 */
public final class ModelStepsFixture implements AutoCloseable {

  /** Full r50k vocabulary (bits per byte needs real ids) with a tiny body: fast, and Q8_0 rows of 32. */
  public static TrainParams tinyParams(int steps, int checkpointEvery) {
    return new TrainParams(TrainParams.R50K_VOCAB, 32, 32, 1, 2, 64, steps, 4, 32, 3e-3, 3e-4, 5, 0.1, 1.0,
        checkpointEvery, 7, 8, 0);
  }

  public final ShardTestStack stack;
  public final PipelineServices services;
  public final List<ArtifactRef> trainShards = new ArrayList<>();
  public final List<ArtifactRef> valShards = new ArrayList<>();
  public final int documentsPerShard = 16;

  public ModelStepsFixture(Path tmp, String runId) throws Exception {
    TestData.djl(); // first: DJL loads once per JVM, from the directory the other tests use
    stack = new ShardTestStack(tmp, TokenizeJobConfig.class); // the runner needs one job; the model steps use none
    services = new PipelineServices(stack.db, stack.store, stack.runner, Files.createDirectories(tmp.resolve("work")));
    ArtifactRef source = putText(tmp, RunObjectKeys.dedupShard(runId, 0), "documents");
    trainShards.add(putTokens(tmp, runId, "train", 0, source, "t0-"));
    trainShards.add(putTokens(tmp, runId, "train", 1, source, "t1-"));
    valShards.add(putTokens(tmp, runId, "val", 0, source, "v0-"));
  }

  public static String docText(String id) {
    return "Document " + id + ". " + TestData.TEXT;
  }

  /** A stand-in for the document shard the token shards were made from. */
  private ArtifactRef putText(Path tmp, String key, String kind) throws IOException {
    Path f = tmp.resolve("source.jsonl");
    Files.writeString(f, "{}\n", StandardCharsets.UTF_8);
    ObjectStore.Stored s = stack.store.putFile(ShardTestStack.BUCKET, key, f, "application/x-ndjson");
    stack.artifacts.record(new ArtifactRepository.Artifact(s.uri(), s.sha256(), s.sizeBytes(), kind, null, null,
        stack.store.endpoint(), stack.store.region(), Instant.now()), List.of());
    return new ArtifactRef(s.uri(), s.sha256(), s.sizeBytes());
  }

  /** A token shard of {@link #documentsPerShard} documents, recorded as tokenize records it. */
  private ArtifactRef putTokens(Path tmp, String runId, String split, int index, ArtifactRef source, String idPrefix)
      throws IOException {
    List<Integer> tokens = new ArrayList<>();
    List<DocumentRepository.Document> docs = new ArrayList<>();
    List<DocumentRepository.Membership> members = new ArrayList<>();
    for (int d = 0; d < documentsPerShard; d++) {
      String id = idPrefix + d;
      String text = docText(id);
      int start = tokens.size();
      for (int t : TestData.r50k(text)) {
        tokens.add(t);
      }
      // the held-out split holds two sources, so evaluation by source has two to tell apart
      String origin = split.equals("val") && d % 2 == 1 ? "fortunes" : "kjv";
      docs.add(new DocumentRepository.Document(id, origin, "1", id + ".txt", "public-domain", "en", "US",
          ShardTestStack.sha256Hex(text), text.length(), source.uri(), d + 1, runId));
      members.add(new DocumentRepository.Membership(id, d, (long) start, (long) tokens.size()));
    }
    Path f = tmp.resolve(split + "-" + index + ".bin");
    LlmcTokenShard.write(f, tokens.stream().mapToInt(Integer::intValue).toArray());
    ObjectStore.Stored s = stack.store.putFile(ShardTestStack.BUCKET,
        RunObjectKeys.tokenShard(runId, split, index), f, "application/octet-stream");
    stack.artifacts.record(new ArtifactRepository.Artifact(s.uri(), s.sha256(), s.sizeBytes(), "tokens", runId,
        "tokenize", stack.store.endpoint(), stack.store.region(), Instant.now()), List.of(source.uri()));
    stack.documents.insertNew(docs);
    stack.documents.replaceMembers(s.uri(), members);
    return new ArtifactRef(s.uri(), s.sha256(), s.sizeBytes());
  }

  @Override
  public void close() {
    stack.close();
  }
}
