-- How many reports in ? (after run ?) changed status, per change ('failed->passed': count).
SELECT status_before || '->' || status_after, count(*)
FROM run_reports
WHERE run_id = ? AND doc_sha256 IN (SELECT unnest(?::VARCHAR[])) AND status_before <> status_after
GROUP BY ALL
