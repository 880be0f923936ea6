-- The reports (latest version of each file) of the unit named $ref exactly, or else of every unit
-- whose name contains $ref; by fiscal year and path.
SELECT d.sha256, d.path, r.unit_name, r.fiscal_year
FROM reports AS r
JOIN v_documents AS d ON d.sha256 = r.sha256 AND d.is_latest
WHERE r.unit_name = $ref
   OR (NOT EXISTS (SELECT 1 FROM reports WHERE unit_name = $ref) AND contains(r.unit_name, $ref))
ORDER BY r.fiscal_year, d.path
