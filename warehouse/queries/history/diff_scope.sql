-- The reports a diff of runs $a and $b is about: those validated by the runs after the earlier one up
-- to the later one (by start time), or by the run itself when both name one run. A report no run in
-- between touched has the same findings on both sides: counting them "persisting" made a diff say 21
-- where the run it follows had 18 (the persisting findings of the reports it revalidated).
WITH bounds AS (
    SELECT min(started_at) AS earlier, max(started_at) AS later, count(DISTINCT run_id) AS n_runs
    FROM runs WHERE run_id IN ($a, $b)
)
SELECT DISTINCT rr.doc_sha256
FROM run_reports AS rr JOIN runs AS o ON o.run_id = rr.run_id, bounds AS bo
WHERE CASE WHEN bo.n_runs = 1 THEN rr.run_id = $a
           ELSE o.started_at > bo.earlier AND o.started_at <= bo.later END
ORDER BY rr.doc_sha256
