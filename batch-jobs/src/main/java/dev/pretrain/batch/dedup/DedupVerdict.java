package dev.pretrain.batch.dedup;

import dev.pretrain.batch.shards.ShardDocument;

/** A document and, if it repeats earlier text, the id of the first document with that text (which is kept). */
public record DedupVerdict(ShardDocument document, String keptTwinId) {
  public boolean duplicate() {
    return keptTwinId != null;
  }
}
