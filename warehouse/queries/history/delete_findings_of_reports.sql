-- Drop the findings of the reports in ? (VARCHAR[] of sha256): a run replaces them whole.
DELETE FROM findings
WHERE doc_sha256 IN (SELECT unnest(?::VARCHAR[]))
