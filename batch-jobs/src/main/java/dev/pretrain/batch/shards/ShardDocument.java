package dev.pretrain.batch.shards;

/**
 * One line of an ingest document shard, as read back by later steps.
 *
 * @param shardIndex position of its shard in the list being read
 * @param line       1-based line number within that shard
 * @param json       the line exactly as stored (without its newline), so a step can copy it unchanged
 * @param text       the document text, or null when the reader was asked to skip it
 */
public record ShardDocument(
    int shardIndex, long line, String json, String id, String sha256, String source, String text) {}
