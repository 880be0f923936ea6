-- A report dated before its fiscal year ended (dates are ISO strings: YYYY-MM-DD or YYYY-MM).
SELECT
    sha256 AS doc_sha256,
    unit_name,
    fiscal_year::INTEGER AS fiscal_year,
    printf('%s的%d年度自评报告落款日期为%s，早于该年度结束', coalesce(unit_name, file_name),
           fiscal_year::INTEGER, report_date) AS message,
    json_object('report_date', report_date, 'fiscal_year', fiscal_year::INTEGER,
                'fiscal_year_ends', printf('%d-12-31', fiscal_year::INTEGER)) AS evidence
FROM v_audit_reports
WHERE list_contains($years, fiscal_year) AND report_date IS NOT NULL
  AND report_date < printf('%d-01-01', fiscal_year::INTEGER + 1)
ORDER BY fiscal_year, report_date, file_name
