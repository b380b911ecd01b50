package dev.pretrain.workflows.train;

/**
 * Heartbeat details of {@link TrainActivities#train}: the last step done and the newest checkpoint in
 * storage (null before the first). A retry reads them back to find its resume point.
 */
public record TrainProgress(long step, int totalSteps, double loss, double tokensPerSecond, String checkpointUri) {}
