-- How many distinct tokens of a document an artifact consumed: set on a model's membership rows (the
-- tokens of each document its training windows read), null elsewhere. The audit report sums it per
-- source ("tokens trained on"). Runs unchanged on H2 (PostgreSQL mode) and PostgreSQL.
ALTER TABLE artifact_documents ADD COLUMN tokens BIGINT;

-- A takedown request names a source: which models hold its documents.
CREATE INDEX run_documents_by_source ON run_documents (source, doc_id);

-- What a model is made of, by source, license, jurisdiction and language: documents, characters and
-- tokens read. Written once when the model's membership rows are (a join over its documents), so an
-- audit report reads a few rows instead of joining hundreds of thousands every time.
CREATE TABLE artifact_composition (
    artifact_uri      VARCHAR(1024) NOT NULL,
    ordinal           INT           NOT NULL,
    source            VARCHAR(128)  NOT NULL,
    license           VARCHAR(256),
    jurisdiction      VARCHAR(64),
    language          VARCHAR(32),
    detected_language VARCHAR(32),
    documents         BIGINT        NOT NULL,
    chars             BIGINT        NOT NULL,
    tokens            BIGINT        NOT NULL,
    PRIMARY KEY (artifact_uri, ordinal)
);

-- "Documents this run saw first" (lineage RUN_ID) without a scan of every document.
CREATE INDEX documents_first_run ON documents (first_run_id);
CREATE INDEX artifact_composition_source ON artifact_composition (source);
