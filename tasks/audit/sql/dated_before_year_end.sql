-- A report dated before its fiscal year ended (dates are ISO strings: YYYY-MM-DD or YYYY-MM).
SELECT
    sha256 AS doc_sha256,
    unit_name,
    printf('%s的%d年度自评报告落款日期为%s，早于该年度结束', coalesce(unit_name, file_name),
           $year::INTEGER, report_date) AS message,
    json_object('report_date', report_date, 'fiscal_year', $year::INTEGER,
                'fiscal_year_ends', printf('%d-12-31', $year::INTEGER)) AS evidence
FROM v_audit_reports
WHERE fiscal_year = $year AND report_date IS NOT NULL AND report_date < printf('%d-01-01', $year::INTEGER + 1)
ORDER BY report_date, file_name
