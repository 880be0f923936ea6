-- Close a running run with its counts; returns the number of rows updated (0: unknown or already finished).
UPDATE runs
SET finished_at = now(), status = ?, files_seen = ?, loaded = ?, rejected = ?, unchanged = ?, summary = ?
WHERE run_id = ? AND status = 'running'
