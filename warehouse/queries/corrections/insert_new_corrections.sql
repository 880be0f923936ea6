-- Add the rows of the registered table incoming_corrections not yet loaded (the first of each row_hash);
-- returns how many were added. A plain INSERT … SELECT: no ON CONFLICT or RETURNING, which a DuckLake
-- warehouse (no keys) does not have.
INSERT INTO corrections (doc_sha256, concept, basis, fact_id, corrected_value_yuan, reason,
                         author, row_hash, document_ref, source_file, load_seq)
SELECT doc_sha256, concept, basis, fact_id, corrected_value_yuan, reason, author, row_hash,
       document_ref, source_file, load_seq
FROM incoming_corrections AS i
WHERE NOT EXISTS (SELECT 1 FROM corrections AS c WHERE c.row_hash = i.row_hash)
QUALIFY row_number() OVER (PARTITION BY row_hash ORDER BY load_seq) = 1
