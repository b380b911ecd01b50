package dev.pretrain.workflows.evaluate;

/** Heartbeat details of {@link EvaluateActivities#evaluate}: the evaluation's label, tokens predicted so far. */
public record EvaluateProgress(String label, long tokens) {}
