-- Reports of the audited years whose unit is not on the roster (only when a roster is loaded).
SELECT
    a.sha256 AS doc_sha256,
    a.unit_name,
    a.fiscal_year::INTEGER AS fiscal_year,
    printf('报告单位“%s”不在应报单位名录中', coalesce(a.unit_name, '（未识别）')) AS message,
    json_object('file_name', a.file_name, 'unit_name', a.unit_name) AS evidence
FROM v_audit_reports AS a
WHERE list_contains($years, a.fiscal_year)
  AND EXISTS (SELECT 1 FROM roster)
  AND NOT EXISTS (
      SELECT 1 FROM roster AS r WHERE regexp_replace(r.unit_name, '\s+', '', 'g') = a.unit_key
  )
ORDER BY a.fiscal_year, a.file_name
