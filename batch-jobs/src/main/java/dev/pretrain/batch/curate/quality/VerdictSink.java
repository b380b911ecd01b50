package dev.pretrain.batch.curate.quality;

/**
 * Receives the rules a document fails. Returning false stops the filter at that rule (the normal
 * "first failure rejects" mode); returning true lets it measure the remaining rules too (used to
 * count, per rule, how many documents it would reject on its own).
 */
interface VerdictSink {

  boolean failed(RuleVerdict verdict);
}
