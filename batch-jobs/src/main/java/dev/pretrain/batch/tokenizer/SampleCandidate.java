package dev.pretrain.batch.tokenizer;

/**
 * A train-split document the tokenizer's sample may take.
 *
 * @param key   hex SHA-256 of {@code seed + ":" + id}: the sample takes the smallest keys
 * @param bytes UTF-8 bytes of the text
 */
record SampleCandidate(String key, String id, String source, long bytes, String text) {}
