-- How many findings run ? raised, cleared and kept in the reports in ? (VARCHAR[] of sha256).
SELECT change, count(*)
FROM finding_history
WHERE run_id = ? AND doc_sha256 IN (SELECT unnest(?::VARCHAR[]))
GROUP BY change
