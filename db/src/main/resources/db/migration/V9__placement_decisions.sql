-- The sovereignty policy's decisions (docs/sovereignty.md): for each run, source and step, whether
-- the step may run and where (region, task queue, bucket), under which rule, and why a run was
-- refused. Written once per run before ingest, by the plan activity. Runs unchanged on H2
-- (PostgreSQL mode) and PostgreSQL.
CREATE TABLE placement_decisions (
    run_id         VARCHAR(64)   NOT NULL,
    source         VARCHAR(1024) NOT NULL,
    step           VARCHAR(64)   NOT NULL,
    jurisdiction   VARCHAR(64),
    decision       VARCHAR(16)   NOT NULL,
    region         VARCHAR(64),
    task_queue     VARCHAR(200),
    bucket         VARCHAR(200),
    rule           VARCHAR(512),
    reason         TEXT,
    policy_sha256  CHAR(64),
    decided_at     TIMESTAMP     NOT NULL,
    PRIMARY KEY (run_id, source, step)
);
CREATE INDEX placement_decisions_refused ON placement_decisions (decision, decided_at);
