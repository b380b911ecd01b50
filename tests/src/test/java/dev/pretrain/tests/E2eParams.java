package dev.pretrain.tests;

import dev.pretrain.workflows.run.RunRequest;
import dev.pretrain.workflows.train.TrainParams;

/** Run parameters that keep the end-to-end tests quick on a 2-core machine. */
final class E2eParams {
  private E2eParams() {}

  /** Keeps the request's inputs and curation settings. */
  static RunRequest fast(RunRequest request) {
    // small partitions and shards, so the fan-out and shard rolling are exercised on a few MB
    return new RunRequest(request.runId(), request.recipe(), request.inputs(), request.bucket(),
        new RunRequest.IngestParams(2L << 20, 1L << 20, "US", RunRequest.IngestParams.KEEP, request.ingest().curate()),
        // enough held-out documents for a meaningful validation loss on a small corpus
        new RunRequest.TokenizeParams("r50k_base", 0.2, java.util.List.of()), TrainParams.quick());
  }

  /** As {@link #fast}, with the run's own vocabulary of {@code vocab} ids and the model sized for it. */
  static RunRequest fastOwnVocabulary(RunRequest request, int vocab) {
    RunRequest fast = fast(request);
    return fast.withTokenize(new RunRequest.TokenizeParams(RunRequest.TokenizeParams.BPE, 0.2, java.util.List.of(),
        vocab, 0, 0, 0)).withTrain(TrainParams.quick().forOwnVocabulary(vocab));
  }
}
