package dev.pretrain.workflows.dedup;

import java.util.List;

/**
 * How the dedup step removes copies (recipe {@code dedup:}; docs/near-dedup.md). All of it is
 * recorded with the step.
 *
 * @param partitions          P: exact digests, LSH band buckets and candidate pairs are each split into
 *                            P partitions (one activity each, on any worker); the result does not depend on it
 * @param keep                keep rule: sources in priority order (of a group of copies, a document of an
 *                            earlier source stays); then the smaller document id
 * @param fuzzy               remove near-duplicates (MinHash-LSH), not only exact copies
 * @param threshold           Jaccard similarity of word 5-gram sets at or above which two documents are
 *                            near-duplicates
 * @param bands               LSH bands (0: 14 x 8 when the threshold is the default, else derived from it)
 * @param rows                rows per band
 * @param seed                MinHash seed
 * @param check               check every candidate pair with exact Jaccard (removes LSH false positives)
 * @param decontaminationNgram n of the n-gram overlap test against held-out evaluation sources (0: off)
 * @param decontaminationMinOverlap shared n-grams at which a training document is contaminated
 * @param index               name of a persistent dedup index (recurring runs): documents earlier runs
 *                            kept are dropped as copies, and what this run keeps is added; null: none
 */
public record DedupParams(int partitions, List<String> keep, boolean fuzzy, double threshold, int bands, int rows,
    long seed, boolean check, int decontaminationNgram, int decontaminationMinOverlap, String index) {

  public static final double DEFAULT_THRESHOLD = 0.8;
  public static final long DEFAULT_SEED = 0x5EED_0F_D0C5L;

  public DedupParams {
    keep = keep == null ? List.of() : List.copyOf(keep);
  }

  public static DedupParams defaults() {
    return new DedupParams(4, List.of(), true, DEFAULT_THRESHOLD, 14, 8, DEFAULT_SEED, true, 13, 2, null);
  }

  public DedupParams withKeep(List<String> sources) {
    return new DedupParams(partitions, sources, fuzzy, threshold, bands, rows, seed, check, decontaminationNgram,
        decontaminationMinOverlap, index);
  }

  public DedupParams withPartitions(int p) {
    return new DedupParams(p, keep, fuzzy, threshold, bands, rows, seed, check, decontaminationNgram,
        decontaminationMinOverlap, index);
  }

  public DedupParams withIndex(String name) {
    return new DedupParams(partitions, keep, fuzzy, threshold, bands, rows, seed, check, decontaminationNgram,
        decontaminationMinOverlap, name);
  }
}
