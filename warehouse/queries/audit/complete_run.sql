UPDATE audit_runs SET finished_at = now(), status = 'completed', n_reports = $n_reports, n_findings = $n_findings,
    gx_success = $gx_success, summary = $summary
WHERE run_id = $run_id AND status = 'running'
