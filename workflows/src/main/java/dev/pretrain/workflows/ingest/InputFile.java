package dev.pretrain.workflows.ingest;

/**
 * One input file of a run: an S3 object ({@code s3://bucket/key}) or a local file
 * ({@code file:///abs/path}). JSONL, JSONL.gz and plain text are accepted.
 *
 * @param etag what identifies this version of the file (the S3 ETag, or size and modification
 *             time of a local file), so that the step cache notices a file changed in place;
 *             null in plans made before it was recorded
 */
public record InputFile(String uri, long sizeBytes, String etag) {
  public InputFile(String uri, long sizeBytes) {
    this(uri, sizeBytes, null);
  }
}
