package dev.pretrain.ops.corpus;

/** One JSONL record of a corpus file; field names and order are the ingest step's input format. */
public record CorpusDocument(
    String id, String text, String source, String sourceVersion, String path, String license, String language,
    String jurisdiction) {}
