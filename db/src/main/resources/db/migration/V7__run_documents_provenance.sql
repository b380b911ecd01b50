-- Lineage an auditor can query: each run's own view of its documents, where each step ran and with
-- which code and parameters, and the indexes the audit questions need. Runs unchanged on H2
-- (PostgreSQL mode) and PostgreSQL.

-- A document as one run read it. `documents` holds one row per id (the newest version seen, with the
-- run that first saw it); a run's documents are here, with the license, jurisdiction and text digest
-- they had in that run, so a re-ingested id whose text or license changed keeps both versions apart.
-- outcome: kept or filtered (by curation) at ingest; dedup's drops are in document_decisions.
CREATE TABLE run_documents (
    run_id            VARCHAR(64)   NOT NULL,
    part              INT           NOT NULL,
    doc_id            VARCHAR(512)  NOT NULL,
    source            VARCHAR(128)  NOT NULL,
    source_version    VARCHAR(100),
    path              VARCHAR(2048),
    license           VARCHAR(256),
    language          VARCHAR(32),
    detected_language VARCHAR(32),
    jurisdiction      VARCHAR(64),
    content_sha256    CHAR(64)      NOT NULL,
    chars             BIGINT        NOT NULL,
    input_uri         VARCHAR(1024),
    input_line        BIGINT,
    outcome           VARCHAR(16)   NOT NULL,
    PRIMARY KEY (run_id, part, doc_id)
);
CREATE INDEX run_documents_doc ON run_documents (doc_id);
CREATE INDEX run_documents_source ON run_documents (run_id, source);
CREATE INDEX run_documents_input ON run_documents (input_uri);

ALTER TABLE documents ADD COLUMN last_run_id VARCHAR(64);
CREATE INDEX documents_input ON documents (input_uri);

-- Decisions by document and by kept twin ("why was it removed", "what was dropped for it").
CREATE INDEX document_decisions_doc ON document_decisions (doc_id);
CREATE INDEX document_decisions_twin ON document_decisions (related_doc_id);
CREATE INDEX quarantine_input ON quarantine (input_uri);

-- Where and with what each step activity ran: the step's code version and its parameters (the
-- activity's request), the task queue, and the worker's host and region (processing location).
ALTER TABLE step_executions ADD COLUMN code_version VARCHAR(32);
ALTER TABLE step_executions ADD COLUMN params_json TEXT;
ALTER TABLE step_executions ADD COLUMN task_queue VARCHAR(200);
ALTER TABLE step_executions ADD COLUMN worker_host VARCHAR(256);
ALTER TABLE step_executions ADD COLUMN worker_region VARCHAR(64);
