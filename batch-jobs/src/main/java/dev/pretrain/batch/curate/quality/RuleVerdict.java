package dev.pretrain.batch.curate.quality;

/**
 * One failed quality rule: its name ({@code <filter>.<rule>}, e.g. {@code gopher_quality.mean_word_length}),
 * the value measured on the document, and the bound it had to meet (e.g. {@code ">= 3"}).
 */
public record RuleVerdict(String rule, double measured, String threshold) {}
