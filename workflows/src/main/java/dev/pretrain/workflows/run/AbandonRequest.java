package dev.pretrain.workflows.run;

/** Payload of the {@code abandon} update: why an operator gives up on a parked run. */
public record AbandonRequest(String reason) {}
