-- Example queries for analysts: paste into `duckdb warehouse/jixiao.duckdb` (or `jixiao sql`).
-- Not a migration: it is never applied. tests/test_warehouse.py runs each statement.

-- 1. Failed reports by region (地区校验不通过情况): how many reports each province/city has, and how many
--    carry at least one error.
SELECT
    coalesce(province, '（未注明）') AS province,
    coalesce(city, '（未注明）') AS city,
    count(*) AS reports,
    count(*) FILTER (status = 'failed') AS failed,
    count(*) FILTER (status = 'warning') AS with_warnings,
    round(100.0 * count(*) FILTER (status = 'failed') / count(*), 1) AS failed_pct
FROM v_report_summary
GROUP BY ALL
ORDER BY failed DESC, reports DESC, province, city;

-- 2. Over-budget units (超预算单位): final expenditure above the budget side (adjusted budget when stated),
--    largest overrun first, in 万元.
SELECT
    unit_name,
    province,
    city,
    fiscal_year,
    round(coalesce(expenditure_adjusted_budget_yuan, expenditure_budget_yuan) / 10000, 2) AS budget_wan_yuan,
    round(expenditure_final_yuan / 10000, 2) AS final_wan_yuan,
    round((expenditure_final_yuan - coalesce(expenditure_adjusted_budget_yuan, expenditure_budget_yuan)) / 10000, 2)
        AS over_wan_yuan,
    expenditure_execution_pct_computed AS execution_pct,
    file_name
FROM v_report_summary
WHERE expenditure_final_yuan > coalesce(expenditure_adjusted_budget_yuan, expenditure_budget_yuan)
ORDER BY over_wan_yuan DESC;

-- 3. Distribution of the expenditure execution rate (支出执行率分布) by fiscal year, in 10-point bands;
--    the rate computed from the amounts, or the stated one when the amounts are missing.
SELECT
    fiscal_year,
    CASE
        WHEN execution_pct < 50 THEN '< 50%'
        WHEN execution_pct >= 110 THEN '>= 110%'
        ELSE printf('%d-%d%%', (floor(execution_pct / 10) * 10)::INTEGER, (floor(execution_pct / 10) * 10 + 10)::INTEGER)
    END AS band,
    count(*) AS reports,
    round(avg(execution_pct), 2) AS mean_pct
FROM (
    SELECT fiscal_year, coalesce(expenditure_execution_pct_computed, expenditure_execution_pct_stated) AS execution_pct
    FROM v_report_summary
) AS rates
WHERE execution_pct IS NOT NULL
GROUP BY ALL
ORDER BY fiscal_year, min(execution_pct);
