package dev.pretrain.batch.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * For each split that received documents: writes the real llm.c header, uploads the {@code .bin}
 * and its map, and records them as artifacts ({@code tokens} from the document shard;
 * {@code token-map} from the document shard and the {@code .bin}) with each document's token range
 * as membership of the {@code .bin}. A split without documents gets no files.
 */
public class TokenShardPublisher implements Tasklet {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final TokenizeJob.Request request;
  private final Path dir;
  private final ObjectStore store;
  private final ArtifactRepository artifacts;
  private final DocumentRepository documents;

  public TokenShardPublisher(TokenizeJob.Request request, Path dir, ObjectStore store, ArtifactRepository artifacts,
      DocumentRepository documents) {
    this.request = request;
    this.dir = dir;
    this.store = store;
    this.artifacts = artifacts;
    this.documents = documents;
  }

  @Override
  public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws IOException {
    for (Split split : Split.values()) {
      Path bin = TokenShardWriter.binFile(dir, split);
      if (!Files.exists(bin)) {
        continue;
      }
      long tokens = (Files.size(bin) - LlmcTokenShard.HEADER_BYTES) / 2;
      LlmcTokenShard.writeHeader(bin, tokens);
      List<Membership> members = members(TokenShardWriter.mapFile(dir, split), tokens);

      String source = request.documentShard().uri();
      String binKey = RunObjectKeys.tokenShard(request.runId(), split.prefix(), request.shardIndex());
      ObjectStore.Stored binOut = store.putFile(request.bucket(), binKey, bin, "application/octet-stream");
      // made from the documents and, for the run's own vocabulary, the tokenizer that encoded them
      record(binOut, "tokens", request.tokenizer() == null ? List.of(source) : List.of(source, request.tokenizer().uri()));
      documents.replaceMembers(binOut.uri(), members);

      String mapKey = RunObjectKeys.tokenMap(request.runId(), split.prefix(), request.shardIndex());
      ObjectStore.Stored mapOut = store.putFile(request.bucket(), mapKey, TokenShardWriter.mapFile(dir, split),
          "application/x-ndjson");
      record(mapOut, "token-map", List.of(source, binOut.uri()));
      contribution.incrementWriteCount(2);
    }
    return RepeatStatus.FINISHED;
  }

  private void record(ObjectStore.Stored s, String kind, List<String> inputs) {
    artifacts.record(new ArtifactRepository.Artifact(s.uri(), s.sha256(), s.sizeBytes(), kind, request.runId(),
        TokenizeJob.STEP, store.endpoint(), store.region(), Instant.now()), inputs);
  }

  /** Membership from the map just written, checking that the ranges tile the shard exactly. */
  private static List<Membership> members(Path map, long tokens) throws IOException {
    List<Membership> members = new ArrayList<>();
    long expectedStart = 0;
    try (BufferedReader in = Files.newBufferedReader(map, StandardCharsets.UTF_8)) {
      for (String line; (line = in.readLine()) != null; ) {
        JsonNode n = JSON.readTree(line);
        long start = n.get("start").asLong();
        long end = n.get("end").asLong();
        if (start != expectedStart || end <= start) {
          throw new IllegalStateException(map + ": range " + start + ".." + end + " does not follow " + expectedStart);
        }
        members.add(new Membership(n.get("doc_id").asText(), members.size(), start, end));
        expectedStart = end;
      }
    }
    if (expectedStart != tokens) {
      throw new IllegalStateException(map + ": ranges end at " + expectedStart + " but the shard has " + tokens + " tokens");
    }
    return members;
  }
}
