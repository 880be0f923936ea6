-- The audited years' reports as the audit sees them, a year at a time, each year by file name.
SELECT * FROM v_audit_reports WHERE list_contains($years, fiscal_year) ORDER BY fiscal_year, file_name
