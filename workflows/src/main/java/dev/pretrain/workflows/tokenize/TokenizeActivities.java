package dev.pretrain.workflows.tokenize;

import dev.pretrain.workflows.ArtifactRef;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

@ActivityInterface
public interface TokenizeActivities {

  /**
   * Trains the run's own byte-level BPE vocabulary (the tokenizer step): a deterministic sample of the
   * kept documents of the training split, merges until {@code vocabSize}, GPT-4's (cl100k) split, one
   * special token {@code <|endoftext|>} (the last id). Writes {@code runs/<runId>/tokenizer/tokenizer.json}
   * (Hugging Face format), {@code sample.jsonl} (the documents trained on) and {@code card.json}
   * (parameters), each recorded with lineage.
   */
  @ActivityMethod
  TokenizerResult trainTokenizer(TokenizerRequest request);

  /**
   * @param documentShards the kept document shards (dedup's output)
   * @param sampleBytes    text bytes of the sample, taken in order of SHA-256(seed:id)
   * @param valFraction    with heldOutSources: the tokenize step's split; validation documents are never sampled
   */
  record TokenizerRequest(
      String runId,
      String bucket,
      List<ArtifactRef> documentShards,
      int vocabSize,
      long sampleBytes,
      long seed,
      long minFrequency,
      double valFraction,
      List<String> heldOutSources) {}

  /**
   * @param tokenizer       tokenizer.json, what tokenize encodes with
   * @param vocabSize       ids in the vocabulary (fewer than asked when the sample ran out of pairs)
   * @param candidates      training-split documents the sample chose from
   * @param heldOut         documents skipped as held out
   * @param trainMillis     the trainer's wall time
   */
  record TokenizerResult(
      ArtifactRef tokenizer,
      ArtifactRef sample,
      ArtifactRef card,
      int vocabSize,
      int merges,
      long sampleDocuments,
      long sampleBytes,
      long candidates,
      long candidateBytes,
      long heldOut,
      long trainMillis,
      long bytesIn) {}

  /**
   * Tokenizes one document shard with byte-level BPE (GPT-2's r50k vocabulary, or the run's own) and writes llm.c
   * {@code .bin} token shards for the train and validation splits, each with a token-range to
   * document map. Documents are split whole: a held-out source goes entirely to validation, others
   * by a stable hash of the document id.
   */
  @ActivityMethod
  TokenizeResult tokenizeShard(TokenizeRequest request);

  /**
   * @param encoding       {@code r50k_base} (GPT-2) or {@code bpe} (the run's own vocabulary, {@code tokenizer})
   * @param valFraction    fraction of documents (by id hash) sent to validation, in [0, 1)
   * @param heldOutSources sources whose documents all go to validation
   * @param tokenizer      the tokenizer step's tokenizer.json for {@code bpe}; null for {@code r50k_base}
   */
  record TokenizeRequest(
      String runId,
      String bucket,
      int shardIndex,
      ArtifactRef documentShard,
      String encoding,
      double valFraction,
      List<String> heldOutSources,
      ArtifactRef tokenizer) {

    /** With GPT-2's vocabulary (requests written before the run's own tokenizer existed). */
    public TokenizeRequest(String runId, String bucket, int shardIndex, ArtifactRef documentShard, String encoding,
        double valFraction, List<String> heldOutSources) {
      this(runId, bucket, shardIndex, documentShard, encoding, valFraction, heldOutSources, null);
    }
  }

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
