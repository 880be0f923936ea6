-- The runs whose id starts with ? (a full id or a prefix of one), oldest first.
SELECT run_id
FROM runs
WHERE starts_with(run_id, ?)
ORDER BY started_at
