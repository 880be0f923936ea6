-- The runs' findings from the registered frame `incoming_audit_findings`.
INSERT INTO audit_findings
SELECT run_id, finding_no, fiscal_year, check_name, severity, doc_sha256, unit_name, message, evidence::JSON
FROM incoming_audit_findings
