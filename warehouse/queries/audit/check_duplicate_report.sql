-- More than one report (different files) for the same unit and year: one finding per report of the group.
WITH year_reports AS (
    SELECT
        *,
        count(*) OVER (PARTITION BY fiscal_year, unit_key) AS n_reports,
        list({'sha256': sha256, 'file_name': file_name, 'report_date': report_date})
            OVER (PARTITION BY fiscal_year, unit_key) AS reports
    FROM v_audit_reports
    WHERE list_contains($years, fiscal_year) AND unit_key IS NOT NULL
)
SELECT
    sha256 AS doc_sha256,
    unit_name,
    fiscal_year::INTEGER AS fiscal_year,
    printf('%s的%d年度自评报告共有%d份（应为1份）', unit_name, fiscal_year::INTEGER, n_reports) AS message,
    json_object('fiscal_year', fiscal_year::INTEGER, 'n_reports', n_reports, 'reports', reports) AS evidence
FROM year_reports
WHERE n_reports > 1
ORDER BY fiscal_year, unit_key, file_name
