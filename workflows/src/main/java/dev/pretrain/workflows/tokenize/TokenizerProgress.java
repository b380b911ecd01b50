package dev.pretrain.workflows.tokenize;

/** Heartbeat details of {@link TokenizeActivities#trainTokenizer}: training-split documents read for the sample so far. */
public record TokenizerProgress(long documents) {}
