-- Units on the roster (expected for the year) with no report for the fiscal year.
SELECT
    NULL::VARCHAR AS doc_sha256,
    r.unit_name,
    printf('名录中的%s未提交%d年度自评报告', r.unit_name, $year::INTEGER) AS message,
    json_object('fiscal_year', $year::INTEGER, 'province', r.province, 'city', r.city, 'county', r.county,
                'roster_source', r.source) AS evidence
FROM roster AS r
WHERE (r.first_year IS NULL OR r.first_year <= $year)
  AND (r.last_year IS NULL OR r.last_year >= $year)
  AND NOT EXISTS (
      SELECT 1 FROM v_audit_reports AS a
      WHERE a.fiscal_year = $year AND a.unit_key = regexp_replace(r.unit_name, '\s+', '', 'g')
  )
ORDER BY r.province, r.city, r.county, r.unit_name
