-- Loaded reports whose sha256 starts with $ref (when $is_hex: it is 6+ hex digits), or whose file name
-- or path is $ref; each version of a file, oldest first.
SELECT d.sha256, d.path, d.file_name, r.unit_name, r.fiscal_year, d.is_latest
FROM v_documents AS d JOIN reports AS r ON r.sha256 = d.sha256
WHERE ($is_hex AND starts_with(d.sha256, lower($ref))) OR d.file_name = $ref OR d.path = $ref
ORDER BY d.path, d.version
