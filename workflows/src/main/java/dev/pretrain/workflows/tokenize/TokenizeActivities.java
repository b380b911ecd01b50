package dev.pretrain.workflows.tokenize;

import dev.pretrain.workflows.ArtifactRef;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

@ActivityInterface
public interface TokenizeActivities {

  /**
   * Tokenizes one document shard with byte-level BPE (GPT-2 / r50k ranks) and writes llm.c
   * {@code .bin} token shards for the train and validation splits, each with a token-range to
   * document map. Documents are split whole: a held-out source goes entirely to validation, others
   * by a stable hash of the document id.
   */
  @ActivityMethod
  TokenizeResult tokenizeShard(TokenizeRequest request);

  /**
   * @param encoding       jtokkit encoding name; only {@code r50k_base} (GPT-2) for now
   * @param valFraction    fraction of documents (by id hash) sent to validation, in [0, 1)
   * @param heldOutSources sources whose documents all go to validation
   */
  record TokenizeRequest(
      String runId,
      String bucket,
      int shardIndex,
      ArtifactRef documentShard,
      String encoding,
      double valFraction,
      List<String> heldOutSources) {}

  /**
   * @param trainBin   llm.c token shard of training documents (null if none)
   * @param trainMap   JSONL map of token ranges to document ids for trainBin (null if none)
   */
  record TokenizeResult(
      int shardIndex,
      long documents,
      long trainDocuments,
      long valDocuments,
      long trainTokens,
      long valTokens,
      long bytesIn,
      ArtifactRef trainBin,
      ArtifactRef trainMap,
      ArtifactRef valBin,
      ArtifactRef valMap) {}
}
