-- Tamper evidence for a run's lineage (docs/audit.md, "Tamper evidence"). Runs unchanged on H2
-- (PostgreSQL mode) and PostgreSQL.

-- Every seal of a run, oldest first: a re-seal (after a Reset or a retried step) adds a row and marks
-- the one before superseded, so earlier roots stay on record with their time. columns_json: the
-- columns hashed per table, so that a later migration that adds a column does not break old seals.
-- anchor_*: where the root was also written outside the database, and the retention it got there.
CREATE TABLE lineage_seals (
    run_id         VARCHAR(64)   NOT NULL,
    seal_no        INT           NOT NULL,
    root_hash      CHAR(64)      NOT NULL,
    records        BIGINT        NOT NULL,
    columns_json   TEXT          NOT NULL,
    sealed_at      TIMESTAMP     NOT NULL,
    superseded_at  TIMESTAMP,
    anchor_uri     VARCHAR(1024),
    anchor_version VARCHAR(256),
    anchor_retain_until TIMESTAMP,
    PRIMARY KEY (run_id, seal_no)
);

-- The records the newest seal of a run covered, in chain order: which row (table and primary key,
-- encoded by LineageSeal), the SHA-256 of its canonical form, and 4 hex digits per column so that
-- verify can say which column changed. A re-seal replaces them.
CREATE TABLE lineage_seal_records (
    run_id       VARCHAR(64)   NOT NULL,
    seq          BIGINT        NOT NULL,
    tbl          VARCHAR(64)   NOT NULL,
    record_key   VARCHAR(4096) NOT NULL,
    record_hash  CHAR(64)      NOT NULL,
    column_marks VARCHAR(512)  NOT NULL,
    PRIMARY KEY (run_id, seq)
);
