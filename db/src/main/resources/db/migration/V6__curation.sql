-- The curation stage of ingest (quality filters, language identification, PII redaction).

-- What curation measured and decided on each document, one row per rule that acted: the rule that
-- removed it (with the measured value and the threshold), the language detected, the PII replaced
-- per kind, the lines a line-level filter removed. document_decisions keeps one summary row per
-- document and step; these rows say why in detail. part: the ingest partition (a redone partition
-- replaces its rows).
CREATE TABLE curation_decisions (
    run_id     VARCHAR(64)   NOT NULL,
    part       INT           NOT NULL,
    doc_id     VARCHAR(512)  NOT NULL,
    rule       VARCHAR(96)   NOT NULL,
    action     VARCHAR(16)   NOT NULL,
    measured   DOUBLE PRECISION,
    threshold  VARCHAR(64),
    detail     VARCHAR(1024),
    PRIMARY KEY (run_id, doc_id, rule)
);
CREATE INDEX curation_decisions_rule ON curation_decisions (run_id, rule);
CREATE INDEX curation_decisions_doc ON curation_decisions (doc_id);

-- Per run, step, partition and source: how many records ended how (kept, quarantined, rejected,
-- filtered, deduplicated) and why; the run summary checks in = kept + every other outcome per source.
CREATE TABLE run_tally (
    run_id    VARCHAR(64)   NOT NULL,
    step      VARCHAR(64)   NOT NULL,
    part      INT           NOT NULL,
    source    VARCHAR(128)  NOT NULL,
    outcome   VARCHAR(16)   NOT NULL,
    reason    VARCHAR(128)  NOT NULL,
    n         BIGINT        NOT NULL,
    PRIMARY KEY (run_id, step, part, source, outcome, reason)
);

-- What a source holds, as its corpus entry declares: prose (the default), docs or code. Curation
-- gives docs and code the milder rule set.
ALTER TABLE sources ADD COLUMN content_kind VARCHAR(16);
