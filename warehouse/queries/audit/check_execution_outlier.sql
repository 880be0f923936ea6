-- Execution rates far from their year's distribution: robust z-score |x - median| / (1.4826 * MAD), the
-- scale floored at $outlier_floor_pct points so that a tight year does not flag ordinary rates.
WITH year_rates AS (
    SELECT * FROM v_audit_reports WHERE list_contains($years, fiscal_year) AND execution_pct IS NOT NULL
),
stats AS (
    SELECT fiscal_year, median(execution_pct) AS median_pct, count(*) AS n_reports
    FROM year_rates
    GROUP BY fiscal_year
),
spread AS (
    SELECT
        s.fiscal_year, s.median_pct, s.n_reports,
        greatest(1.4826 * median(abs(y.execution_pct - s.median_pct)), $outlier_floor_pct) AS scale_pct
    FROM year_rates AS y
    JOIN stats AS s ON s.fiscal_year = y.fiscal_year
    GROUP BY ALL
)
SELECT
    y.sha256 AS doc_sha256,
    y.unit_name,
    y.fiscal_year::INTEGER AS fiscal_year,
    printf('%s支出执行率%.2f%%，远离当年中位数%.2f%%（稳健z值%.1f）',
           coalesce(y.unit_name, y.file_name), y.execution_pct, p.median_pct,
           (y.execution_pct - p.median_pct) / p.scale_pct) AS message,
    json_object(
        'execution_pct', y.execution_pct, 'median_pct', p.median_pct, 'scale_pct', round(p.scale_pct, 3),
        'robust_z', round((y.execution_pct - p.median_pct) / p.scale_pct, 2), 'z_limit', $outlier_z,
        'n_reports', p.n_reports
    ) AS evidence
FROM year_rates AS y
JOIN spread AS p ON p.fiscal_year = y.fiscal_year
WHERE p.n_reports >= $outlier_min_reports
  AND abs(y.execution_pct - p.median_pct) > $outlier_z * p.scale_pct
ORDER BY y.fiscal_year, abs(y.execution_pct - p.median_pct) DESC
