-- The fiscal years the audit can audit: those of the reports it sees.
SELECT DISTINCT fiscal_year FROM v_audit_reports WHERE fiscal_year IS NOT NULL ORDER BY fiscal_year
