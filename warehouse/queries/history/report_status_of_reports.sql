-- The status of the reports in ? (VARCHAR[] of sha256), as it stands before a run changes it.
SELECT sha256, status
FROM reports
WHERE sha256 IN (SELECT unnest(?::VARCHAR[]))
