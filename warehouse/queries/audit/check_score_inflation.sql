-- A high self-evaluation score on a report that validation found errors in.
SELECT
    sha256 AS doc_sha256,
    unit_name,
    fiscal_year::INTEGER AS fiscal_year,
    printf('%s自评得分%g分，但报告有%d个校验错误（%s）',
           coalesce(unit_name, file_name), self_eval_score, n_errors, array_to_string(error_rules, '、')) AS message,
    json_object('self_eval_score', self_eval_score, 'min_score', $inflation_min_score, 'n_errors', n_errors,
                'error_rules', error_rules) AS evidence
FROM v_audit_reports
WHERE list_contains($years, fiscal_year) AND self_eval_score >= $inflation_min_score AND n_errors > 0
ORDER BY fiscal_year, self_eval_score DESC, file_name
