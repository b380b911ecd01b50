-- Validation metrics of a run's models: the untrained model ('initial'), the trained one ('final'),
-- the dequantized Q8_0 one ('q8_0'). One row per (run, label); a retried evaluation replaces its row.
-- model_uri is null for the untrained model, which is never stored. Runs unchanged on H2
-- (PostgreSQL mode) and PostgreSQL.
CREATE TABLE evaluations (
    run_id         VARCHAR(64)      NOT NULL,
    label          VARCHAR(64)      NOT NULL,
    model_uri      VARCHAR(1024),
    loss           DOUBLE PRECISION NOT NULL,
    perplexity     DOUBLE PRECISION NOT NULL,
    bits_per_byte  DOUBLE PRECISION NOT NULL,
    tokens         BIGINT           NOT NULL,
    bytes          BIGINT           NOT NULL,
    report_uri     VARCHAR(1024),
    created_at     TIMESTAMP        NOT NULL,
    PRIMARY KEY (run_id, label)
);
CREATE INDEX evaluations_model ON evaluations (model_uri);
