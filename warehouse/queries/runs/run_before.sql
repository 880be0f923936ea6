-- The run that started last before the given one (what `jixiao findings --diff` compares it with).
SELECT run_id FROM runs
WHERE started_at < (SELECT started_at FROM runs WHERE run_id = ?)
ORDER BY started_at DESC
LIMIT 1
