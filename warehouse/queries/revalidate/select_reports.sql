-- The reports a revalidation touches (the dry run lists the same), in a stable order: year, path, version.
SELECT r.sha256, d.path, d.file_name, r.unit_name, r.fiscal_year, r.status
FROM reports AS r JOIN v_documents AS d ON d.sha256 = r.sha256
WHERE ($all_versions OR d.is_latest)
  AND ($status IS NULL OR r.status = $status)
  AND ($year IS NULL OR r.fiscal_year = $year)
  AND ($unit IS NULL OR contains(r.unit_name, $unit))
  AND ($rule IS NULL OR EXISTS (
        SELECT 1 FROM findings AS f WHERE f.doc_sha256 = r.sha256 AND f.rule = $rule))
ORDER BY r.fiscal_year NULLS LAST, d.path, d.version
