-- Bring status, n_errors and n_warnings of the reports in ? (VARCHAR[] of sha256) in line with their
-- findings; the second ? is the same list (it narrows the counting to those reports).
-- A report left with no findings counts 0 and 0 and has passed.
UPDATE reports SET
    n_errors = coalesce(counts.n_errors, 0),
    n_warnings = coalesce(counts.n_warnings, 0),
    status = CASE WHEN coalesce(counts.n_errors, 0) > 0 THEN 'failed'
                  WHEN coalesce(counts.n_warnings, 0) > 0 THEN 'warning' ELSE 'passed' END
FROM (SELECT unnest(?::VARCHAR[]) AS sha256) AS chosen
LEFT JOIN (
    SELECT doc_sha256, count(*) FILTER (severity = 'error') AS n_errors,
           count(*) FILTER (severity = 'warning') AS n_warnings
    FROM findings WHERE doc_sha256 IN (SELECT unnest(?::VARCHAR[])) GROUP BY doc_sha256
) AS counts ON counts.doc_sha256 = chosen.sha256
WHERE reports.sha256 = chosen.sha256
