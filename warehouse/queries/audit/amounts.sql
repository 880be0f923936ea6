-- The audited years' amount facts, each with its report's unit and year (GX findings name them).
SELECT a.*, r.unit_name, r.fiscal_year
FROM amounts AS a
JOIN v_audit_reports AS r ON r.sha256 = a.doc_sha256
WHERE list_contains($years, r.fiscal_year)
ORDER BY r.fiscal_year, a.doc_sha256, a.fact_id
