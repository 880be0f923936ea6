-- Final total expenditure of each audited year against the previous year's, per unit, beyond the threshold.
-- A unit with two reports in one year is counted once here (the first file by name); duplicate_report flags it.
WITH per_unit_year AS (
    SELECT
        unit_key,
        fiscal_year,
        arg_min(sha256, file_name) AS sha256,
        arg_min(unit_name, file_name) AS unit_name,
        arg_min(file_name, file_name) AS file_name,
        arg_min(expenditure_final_yuan, file_name) AS expenditure_yuan
    FROM v_audit_reports
    WHERE unit_key IS NOT NULL AND expenditure_final_yuan IS NOT NULL
      AND (list_contains($years, fiscal_year) OR list_contains($years, fiscal_year + 1))
    GROUP BY unit_key, fiscal_year
)
SELECT
    cur.sha256 AS doc_sha256,
    cur.unit_name,
    cur.fiscal_year::INTEGER AS fiscal_year,
    printf('%s%d年支出合计%.2f万元，较上年%.2f万元变动%+.1f%%，超过±%.0f%%的阈值',
           cur.unit_name, cur.fiscal_year::INTEGER, cur.expenditure_yuan / 1e4, prev.expenditure_yuan / 1e4,
           100 * (cur.expenditure_yuan / prev.expenditure_yuan - 1), 100 * $swing_threshold) AS message,
    json_object(
        'fiscal_year', cur.fiscal_year::INTEGER,
        'expenditure_yuan', cur.expenditure_yuan,
        'previous_year_expenditure_yuan', prev.expenditure_yuan,
        'change_pct', round(100 * (cur.expenditure_yuan / prev.expenditure_yuan - 1), 2),
        'threshold_pct', round(100 * $swing_threshold, 2),
        'previous_report', {'sha256': prev.sha256, 'file_name': prev.file_name}
    ) AS evidence
FROM per_unit_year AS cur
JOIN per_unit_year AS prev ON prev.unit_key = cur.unit_key AND prev.fiscal_year = cur.fiscal_year - 1
WHERE list_contains($years, cur.fiscal_year)
  AND prev.expenditure_yuan > 0
  AND abs(cur.expenditure_yuan / prev.expenditure_yuan - 1) > $swing_threshold
ORDER BY cur.fiscal_year, abs(cur.expenditure_yuan / prev.expenditure_yuan - 1) DESC
