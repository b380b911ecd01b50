-- Validation metrics of a run's models per source of the held-out split (a source held out whole, a
-- drift source, or a source's documents in the random split): what a model is worth on each kind of
-- text. One row per (run, label, source); a retried evaluation replaces its rows. Runs unchanged on H2
-- (PostgreSQL mode) and PostgreSQL.
CREATE TABLE evaluation_sources (
    run_id         VARCHAR(64)      NOT NULL,
    label          VARCHAR(64)      NOT NULL,
    source         VARCHAR(128)     NOT NULL,
    documents      BIGINT           NOT NULL,
    loss           DOUBLE PRECISION NOT NULL,
    perplexity     DOUBLE PRECISION NOT NULL,
    bits_per_byte  DOUBLE PRECISION NOT NULL,
    tokens         BIGINT           NOT NULL,
    bytes          BIGINT           NOT NULL,
    PRIMARY KEY (run_id, label, source)
);
