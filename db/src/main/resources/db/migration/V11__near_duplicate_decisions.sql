-- Near-duplicate removal (docs/near-dedup.md): a dedup drop records how it was judged a copy of its
-- kept twin. dedup_kind: exact (same normalized text) | fuzzy (MinHash-LSH) | contaminated (n-gram
-- overlap with a held-out evaluation document, which related_doc_id names). jaccard_estimated: from
-- the MinHash signatures; jaccard_exact: from the word 5-gram sets, when checked; overlap_ngrams: the
-- number of shared n-grams of a contaminated document. Rows written before V11 keep NULL.
ALTER TABLE document_decisions ADD COLUMN dedup_kind VARCHAR(16);
ALTER TABLE document_decisions ADD COLUMN jaccard_estimated DOUBLE PRECISION;
ALTER TABLE document_decisions ADD COLUMN jaccard_exact DOUBLE PRECISION;
ALTER TABLE document_decisions ADD COLUMN overlap_ngrams INTEGER;
CREATE INDEX document_decisions_kind ON document_decisions (run_id, step, dedup_kind);
