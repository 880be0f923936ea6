-- More than one report (different files) for the same unit and year: one finding per report of the group.
-- The evidence lists the group's first $duplicates_listed reports by file name and counts the rest: a name
-- that thousands of reports share (a generic one read as the unit) must not cost the square of the group.
WITH year_reports AS (
    SELECT *
    FROM v_audit_reports
    WHERE list_contains($years, fiscal_year) AND unit_key IS NOT NULL
),
groups AS (
    SELECT
        fiscal_year,
        unit_key,
        count(*) AS n_reports,
        list({'sha256': sha256, 'file_name': file_name, 'report_date': report_date}
             ORDER BY file_name, sha256)[1:$duplicates_listed] AS reports
    FROM year_reports
    GROUP BY fiscal_year, unit_key
    HAVING count(*) > 1
)
SELECT
    r.sha256 AS doc_sha256,
    r.unit_name,
    r.fiscal_year::INTEGER AS fiscal_year,
    printf('%s的%d年度自评报告共有%d份（应为1份）', r.unit_name, r.fiscal_year::INTEGER, g.n_reports) AS message,
    json_object('fiscal_year', r.fiscal_year::INTEGER, 'n_reports', g.n_reports, 'reports', g.reports,
                'not_listed', g.n_reports - len(g.reports)) AS evidence
FROM year_reports AS r
JOIN groups AS g ON g.fiscal_year = r.fiscal_year AND g.unit_key = r.unit_key
ORDER BY r.fiscal_year, r.unit_key, r.file_name
