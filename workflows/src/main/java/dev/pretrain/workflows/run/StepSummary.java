package dev.pretrain.workflows.run;

import dev.pretrain.workflows.ArtifactRef;
import java.util.List;
import java.util.Map;

/**
 * The outcome of one step, as the workflow reports it.
 *
 * @param counts   named counts (records in, kept, quarantined, tokens, ...), insertion-ordered
 * @param bytesIn  input bytes the step read, for MB/s
 * @param millis   wall time of the step, measured with workflow time
 * @param figures  named measurements that are not counts (losses, bits per byte, tokens/s, size
 *                 ratio), insertion-ordered; empty for batch steps, null in runs recorded before
 *                 the train step existed
 * @param cacheHits activities of the step answered from the step cache (0 in older runs)
 * @param computed  activities of the step that computed their result
 */
public record StepSummary(
    String step, Map<String, Long> counts, long bytesIn, long millis, List<ArtifactRef> outputs,
    Map<String, Double> figures, int cacheHits, int computed) {

  public StepSummary(String step, Map<String, Long> counts, long bytesIn, long millis, List<ArtifactRef> outputs,
      Map<String, Double> figures) {
    this(step, counts, bytesIn, millis, outputs, figures, 0, 0);
  }

  public StepSummary withCacheUse(int hits, int computedCount) {
    return new StepSummary(step, counts, bytesIn, millis, outputs, figures, hits, computedCount);
  }

  /** Every activity of the step was a cache hit. */
  public boolean fromCache() {
    return cacheHits > 0 && computed == 0;
  }

  /** A step with counts only (the batch steps). */
  public StepSummary(String step, Map<String, Long> counts, long bytesIn, long millis, List<ArtifactRef> outputs) {
    this(step, counts, bytesIn, millis, outputs, Map.of(), 0, 0);
  }
}
