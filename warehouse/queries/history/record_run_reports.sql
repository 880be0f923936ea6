-- The run_reports rows of run ? for the reports in ? (VARCHAR[] of sha256): their status before the
-- run (the registered table status_before; NULL for a report loaded for the first time) and after it.
INSERT INTO run_reports
SELECT ?, r.sha256, b.status, r.status, r.n_errors, r.n_warnings
FROM reports AS r LEFT JOIN status_before AS b ON b.sha256 = r.sha256
WHERE r.sha256 IN (SELECT unnest(?::VARCHAR[]))
