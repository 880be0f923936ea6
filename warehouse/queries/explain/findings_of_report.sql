-- The current findings of report ?, in report order, with the Chinese label of their rule.
SELECT f.finding_no, f.rule, coalesce(ru.zh_label, f.rule), f.severity, f.message, f.fact_ids
FROM findings AS f LEFT JOIN rules AS ru ON ru.rule = f.rule
WHERE f.doc_sha256 = ?
ORDER BY f.finding_no
