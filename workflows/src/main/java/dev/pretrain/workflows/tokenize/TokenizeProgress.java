package dev.pretrain.workflows.tokenize;

/** Heartbeat details of {@link TokenizeActivities#tokenizeShard}: which shard, documents tokenized so far. */
public record TokenizeProgress(int shardIndex, long documents) {}
