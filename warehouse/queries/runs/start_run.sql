-- A run begins: its row exists (status 'running') before it writes anything that names it.
INSERT INTO runs (run_id, flow, started_at, status, params) VALUES (?, ?, now(), 'running', ?)
