-- Web documents (WARC inputs, or JSONL/Parquet records with url and fetched_at fields) keep where and
-- when they were fetched. Both nullable: documents from other inputs have neither. fetched_at is the
-- input's own string (an ISO-8601 instant for WARC-Date), not a TIMESTAMP, so nothing is lost in parsing.
ALTER TABLE documents ADD COLUMN url VARCHAR(4096);
ALTER TABLE documents ADD COLUMN fetched_at VARCHAR(64);
