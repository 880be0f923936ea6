-- Units on the roster (expected for the year) with no report for an audited fiscal year.
WITH audited AS (
    SELECT unnest($years)::INTEGER AS fiscal_year
)
SELECT
    NULL::VARCHAR AS doc_sha256,
    r.unit_name,
    y.fiscal_year,
    printf('名录中的%s未提交%d年度自评报告', r.unit_name, y.fiscal_year) AS message,
    json_object('fiscal_year', y.fiscal_year, 'province', r.province, 'city', r.city, 'county', r.county,
                'roster_source', r.source) AS evidence
FROM roster AS r
JOIN audited AS y
  ON (r.first_year IS NULL OR r.first_year <= y.fiscal_year)
 AND (r.last_year IS NULL OR r.last_year >= y.fiscal_year)
WHERE NOT EXISTS (
    SELECT 1 FROM v_audit_reports AS a
    WHERE a.fiscal_year = y.fiscal_year AND a.unit_key = regexp_replace(r.unit_name, '\s+', '', 'g')
)
ORDER BY y.fiscal_year, r.province, r.city, r.county, r.unit_name
