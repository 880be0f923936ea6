SELECT status FROM runs WHERE run_id = ?
