-- The new findings (the registered table incoming_findings, numbered per report) raised by run ?.
INSERT INTO findings (doc_sha256, finding_no, rule, severity, message, fact_ids, run_id)
SELECT *, ? FROM incoming_findings
