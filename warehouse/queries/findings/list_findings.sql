-- `jixiao findings`: every filter given must hold; a NULL filter lets everything through.
SELECT f.file_name, f.unit_name, f.fiscal_year AS year, f.rule, f.rule_zh, f.severity, f.message
FROM v_findings AS f
JOIN reports AS r ON r.sha256 = f.doc_sha256
WHERE ($status IS NULL OR r.status = $status)
  AND ($year IS NULL OR f.fiscal_year = $year)
  AND ($rule IS NULL OR f.rule = $rule)
  AND ($unit IS NULL OR contains(lower(f.unit_name), lower($unit)))
  AND ($severity IS NULL OR f.severity = $severity)
  AND ($all_versions OR f.is_latest)
ORDER BY f.fiscal_year, f.file_name, f.finding_no
