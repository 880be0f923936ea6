-- Canonical texts of the audited years' reports and of the $years_back years before each (for copied text).
SELECT a.sha256, a.unit_key, a.unit_name, a.file_name, a.fiscal_year, d.canonical_text
FROM v_audit_reports AS a
JOIN documents AS d ON d.sha256 = a.sha256
WHERE EXISTS (SELECT 1 FROM unnest($years) AS y(year) WHERE a.fiscal_year BETWEEN y.year - $years_back AND y.year)
ORDER BY a.fiscal_year, a.file_name
