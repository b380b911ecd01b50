package dev.pretrain.workflows.quantize;

/** Heartbeat details of {@link QuantizeActivities#quantize}: what is being done, tokens predicted so far in it. */
public record QuantizeProgress(String phase, long tokens) {}
