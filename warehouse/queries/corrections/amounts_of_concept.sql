-- The amounts of report ? with concept ? and basis ?, in text order: what a correction may correct.
SELECT fact_id, as_written
FROM amounts
WHERE doc_sha256 = ? AND concept = ? AND basis = ?
ORDER BY span_start
