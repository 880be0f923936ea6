INSERT INTO audit_runs (run_id, fiscal_year, status, params) VALUES (?, ?, 'running', ?)
