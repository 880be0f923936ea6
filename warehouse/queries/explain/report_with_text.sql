-- Report ?: its file's path, unit, fiscal year, status and the canonical text its spans point into.
SELECT d.path, r.unit_name, r.fiscal_year, r.status, coalesce(d.canonical_text, '')
FROM reports AS r JOIN documents AS d ON d.sha256 = r.sha256
WHERE r.sha256 = ?
