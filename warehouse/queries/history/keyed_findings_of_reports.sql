-- The findings of the reports in ? (VARCHAR[] of sha256), each with its finding key: the rule and the
-- sorted ids of the facts involved (sum_mismatch:a2,a3,a4), '#2', '#3' ... for a repeat of one rule
-- over the same facts in a report. The only definition of the key in the queries: the history
-- statements read these rows (registered as findings_before / findings_after), never recompute them.
-- warehouse/sql/020_history.sql spells the key out for its backfill: keep the two in step.
SELECT doc_sha256,
       rule || ':' || array_to_string(list_sort(fact_ids), ',')
       || CASE WHEN row_number() OVER same_key > 1 THEN '#' || row_number() OVER same_key ELSE '' END
           AS finding_key,
       rule, severity, message, fact_ids
FROM findings
WHERE doc_sha256 IN (SELECT unnest(?::VARCHAR[]))
WINDOW same_key AS (PARTITION BY doc_sha256, rule, list_sort(fact_ids) ORDER BY finding_no)
