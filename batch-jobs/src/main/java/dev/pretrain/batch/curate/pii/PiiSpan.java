package dev.pretrain.batch.curate.pii;

/** A found address or number: {@code text.substring(start, end)} is of the given kind. */
public record PiiSpan(int start, int end, PiiKind kind) {
}
