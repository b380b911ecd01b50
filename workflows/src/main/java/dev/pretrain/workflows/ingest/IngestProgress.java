package dev.pretrain.workflows.ingest;

/**
 * Heartbeat details of {@link IngestActivities#ingestPartition}: input records and stored bytes read
 * so far in this attempt, and the stored size of the whole partition (so that {@code pretrain watch}
 * can show a fraction and an ETA).
 */
public record IngestProgress(long records, long bytes, long bytesTotal) {}
