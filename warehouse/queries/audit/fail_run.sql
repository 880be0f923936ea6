UPDATE audit_runs SET finished_at = now(), status = 'failed', summary = ? WHERE run_id = ?
