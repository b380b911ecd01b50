-- Our metadata: runs, steps, artifacts and their input edges, sources, documents and the decisions
-- taken on them. Written to run unchanged on H2 (PostgreSQL mode) and PostgreSQL.

CREATE TABLE runs (
    run_id        VARCHAR(64)  PRIMARY KEY,
    workflow_id   VARCHAR(200) NOT NULL,
    recipe        VARCHAR(200) NOT NULL,
    status        VARCHAR(32)  NOT NULL,
    request_json  TEXT,
    error         TEXT,
    started_at    TIMESTAMP    NOT NULL,
    finished_at   TIMESTAMP
);

-- One row per step of a run; counts is a JSON object of named counts.
CREATE TABLE steps (
    run_id       VARCHAR(64)  NOT NULL REFERENCES runs (run_id),
    step         VARCHAR(64)  NOT NULL,
    status       VARCHAR(32)  NOT NULL,
    counts_json  TEXT,
    bytes_in     BIGINT,
    millis       BIGINT,
    started_at   TIMESTAMP    NOT NULL,
    finished_at  TIMESTAMP,
    PRIMARY KEY (run_id, step)
);

-- Every object a run (or a corpus fetch) put in storage. The URI is the identity: steps write
-- deterministic keys, so a retried step overwrites the same row with the same digest.
CREATE TABLE artifacts (
    uri          VARCHAR(1024) PRIMARY KEY,
    sha256       CHAR(64)      NOT NULL,
    size_bytes   BIGINT        NOT NULL,
    kind         VARCHAR(64)   NOT NULL,
    run_id       VARCHAR(64),
    step         VARCHAR(64),
    storage_endpoint VARCHAR(512),
    region       VARCHAR(64),
    created_at   TIMESTAMP     NOT NULL
);
CREATE INDEX artifacts_run ON artifacts (run_id, step);

CREATE TABLE artifact_inputs (
    artifact_uri VARCHAR(1024) NOT NULL REFERENCES artifacts (uri),
    input_uri    VARCHAR(1024) NOT NULL REFERENCES artifacts (uri),
    PRIMARY KEY (artifact_uri, input_uri)
);
CREATE INDEX artifact_inputs_input ON artifact_inputs (input_uri);

-- A source is one package (or data set) from a registry, with the registry's own checksum.
CREATE TABLE sources (
    source_id       VARCHAR(128) PRIMARY KEY,
    registry        VARCHAR(64)  NOT NULL,
    package_name    VARCHAR(200) NOT NULL,
    package_version VARCHAR(100) NOT NULL,
    checksum_algo   VARCHAR(32)  NOT NULL,
    checksum        VARCHAR(256) NOT NULL,
    license         VARCHAR(256),
    jurisdiction    VARCHAR(64),
    files           BIGINT,
    bytes           BIGINT,
    fetched_at      TIMESTAMP    NOT NULL
);

-- A document keeps its stable id across runs; content_sha256 is of the normalized text.
CREATE TABLE documents (
    doc_id          VARCHAR(512)  PRIMARY KEY,
    source          VARCHAR(128)  NOT NULL,
    source_version  VARCHAR(100),
    path            VARCHAR(2048),
    license         VARCHAR(256),
    language        VARCHAR(32),
    jurisdiction    VARCHAR(64),
    content_sha256  CHAR(64)      NOT NULL,
    chars           BIGINT        NOT NULL,
    input_uri       VARCHAR(1024),
    input_line      BIGINT,
    first_run_id    VARCHAR(64)
);
CREATE INDEX documents_source ON documents (source);

-- Which documents an artifact holds, with the token range for token shards (null for text shards).
CREATE TABLE artifact_documents (
    artifact_uri  VARCHAR(1024) NOT NULL REFERENCES artifacts (uri),
    doc_id        VARCHAR(512)  NOT NULL,
    ordinal       BIGINT        NOT NULL,
    token_start   BIGINT,
    token_end     BIGINT,
    PRIMARY KEY (artifact_uri, doc_id)
);
CREATE INDEX artifact_documents_doc ON artifact_documents (doc_id);

-- Every decision that removes or changes a document: duplicate (with the kept twin), rejected.
CREATE TABLE document_decisions (
    run_id          VARCHAR(64)  NOT NULL,
    step            VARCHAR(64)  NOT NULL,
    doc_id          VARCHAR(512) NOT NULL,
    decision        VARCHAR(32)  NOT NULL,
    reason          TEXT,
    related_doc_id  VARCHAR(512),
    PRIMARY KEY (run_id, step, doc_id)
);

-- Records that could not become documents: where they were and why.
CREATE TABLE quarantine (
    run_id       VARCHAR(64)   NOT NULL,
    step         VARCHAR(64)   NOT NULL,
    input_uri    VARCHAR(1024) NOT NULL,
    line         BIGINT        NOT NULL,
    byte_offset  BIGINT,
    disposition  VARCHAR(32)   NOT NULL,
    reason       TEXT          NOT NULL,
    PRIMARY KEY (run_id, step, input_uri, line)
);
