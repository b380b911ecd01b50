package dev.pretrain.batch.dedup;

import dev.pretrain.batch.shards.DocumentLineParser;
import dev.pretrain.db.artifacts.ArtifactRepository;
import dev.pretrain.db.documents.DocumentRepository;
import dev.pretrain.db.documents.DocumentRepository.Membership;
import dev.pretrain.db.storage.ObjectStore;
import dev.pretrain.db.storage.RunObjectKeys;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Uploads one output shard per input shard (an empty one where every document was a duplicate, so
 * output i always derives from input i) and records each as an artifact with its input edge and
 * its document membership, read back from the bytes actually uploaded.
 */
public class DedupShardPublisher implements Tasklet {

  private final DedupJob.Request request;
  private final Path dir;
  private final ObjectStore store;
  private final ArtifactRepository artifacts;
  private final DocumentRepository documents;

  public DedupShardPublisher(DedupJob.Request request, Path dir, ObjectStore store, ArtifactRepository artifacts,
      DocumentRepository documents) {
    this.request = request;
    this.dir = dir;
    this.store = store;
    this.artifacts = artifacts;
    this.documents = documents;
  }

  @Override
  public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws IOException {
    List<ObjectStore.Stored> inputs = request.inputShards();
    for (int i = 0; i < inputs.size(); i++) {
      Path file = DedupShardWriter.shardFile(dir, i);
      if (!Files.exists(file)) {
        Files.createFile(file);
      }
      ObjectStore.Stored out = store.putFile(request.bucket(), RunObjectKeys.dedupShard(request.runId(), request.firstShard() + i), file,
          "application/x-ndjson");
      artifacts.record(new ArtifactRepository.Artifact(out.uri(), out.sha256(), out.sizeBytes(), "documents",
          request.runId(), DedupJob.STEP, store.endpoint(), store.region(), Instant.now()),
          List.of(inputs.get(i).uri()));
      documents.replaceMembers(out.uri(), members(file, out.uri()));
      contribution.incrementWriteCount(1);
    }
    return RepeatStatus.FINISHED;
  }

  private static List<Membership> members(Path file, String uri) throws IOException {
    DocumentLineParser parser = new DocumentLineParser(false);
    List<Membership> members = new ArrayList<>();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      long ordinal = 0;
      for (String line; (line = in.readLine()) != null; ) {
        String id = parser.parse(0, ordinal + 1, line, uri + " line " + (ordinal + 1)).id();
        members.add(new Membership(id, ordinal++, null, null));
      }
    }
    return members;
  }
}
