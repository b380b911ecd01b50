package dev.pretrain.workflows.ingest;

/**
 * One input file of a run: an S3 object ({@code s3://bucket/key}) or a local file
 * ({@code file:///abs/path}). JSONL, JSONL.gz and plain text are accepted.
 */
public record InputFile(String uri, long sizeBytes) {}
