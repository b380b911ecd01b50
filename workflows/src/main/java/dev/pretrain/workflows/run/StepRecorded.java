package dev.pretrain.workflows.run;

/** What the ledger knows of a step's activities once it finished: cache hits against computed results. */
public record StepRecorded(int cacheHits, int computed) {}
