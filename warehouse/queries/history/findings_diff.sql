-- The findings standing after run $a against those standing after run $b, for the reports in $scope
-- (VARCHAR[] of sha256: diff_scope.sql's rows). A report's findings "after run X" are those of the
-- last run up to X (by start time) that validated it. change: raised (only after $b), cleared (only
-- after $a) or persisting (both).
WITH ordered AS (SELECT run_id, started_at FROM runs),
standing AS (
    -- per cut-off run and report in scope: the last run up to the cut-off that validated it
    SELECT cut.run_id AS cutoff, rr.doc_sha256, arg_max(rr.run_id, o.started_at) AS last_run
    FROM (SELECT run_id, started_at FROM ordered WHERE run_id IN ($a, $b)) AS cut
    JOIN run_reports AS rr ON rr.doc_sha256 IN (SELECT unnest($scope::VARCHAR[]))
    JOIN ordered AS o ON o.run_id = rr.run_id AND o.started_at <= cut.started_at
    GROUP BY ALL
),
state AS (
    SELECT s.cutoff, h.doc_sha256, h.finding_key, h.rule, h.severity, h.message
    FROM standing AS s
    JOIN finding_history AS h
      ON h.run_id = s.last_run AND h.doc_sha256 = s.doc_sha256 AND h.change <> 'cleared'
),
a AS (SELECT * FROM state WHERE cutoff = $a),
b AS (SELECT * FROM state WHERE cutoff = $b)
SELECT
    CASE WHEN a.finding_key IS NULL THEN 'raised' WHEN b.finding_key IS NULL THEN 'cleared'
         ELSE 'persisting' END AS change,
    coalesce(b.doc_sha256, a.doc_sha256) AS doc_sha256,
    d.file_name, r.unit_name, r.fiscal_year,
    coalesce(b.rule, a.rule) AS rule, coalesce(b.severity, a.severity) AS severity,
    coalesce(b.message, a.message) AS message
FROM a FULL JOIN b ON a.doc_sha256 = b.doc_sha256 AND a.finding_key = b.finding_key
LEFT JOIN documents AS d ON d.sha256 = coalesce(b.doc_sha256, a.doc_sha256)
LEFT JOIN reports AS r ON r.sha256 = coalesce(b.doc_sha256, a.doc_sha256)
ORDER BY CASE change WHEN 'raised' THEN 0 WHEN 'cleared' THEN 1 ELSE 2 END,
         r.fiscal_year, d.file_name, rule
