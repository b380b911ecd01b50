package dev.pretrain.workflows.dedup;

/** Heartbeat details of {@link DedupActivities#dedup}: documents read so far. */
public record DedupProgress(long documents) {}
