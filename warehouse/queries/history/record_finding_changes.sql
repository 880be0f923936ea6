-- The finding_history rows of run ?: each finding standing after it (findings_after) or before it
-- (findings_before), both registered tables of keyed_findings_of_reports rows, matched by report and
-- finding key: raised (after only), cleared (before only) or persisting (both). A report loaded for
-- the first time has no findings before: all of its findings are raised.
INSERT INTO finding_history
SELECT ?, coalesce(now_.doc_sha256, old.doc_sha256), coalesce(now_.finding_key, old.finding_key),
       coalesce(now_.rule, old.rule), coalesce(now_.severity, old.severity),
       coalesce(now_.message, old.message), coalesce(now_.fact_ids, old.fact_ids),
       CASE WHEN old.finding_key IS NULL THEN 'raised'
            WHEN now_.finding_key IS NULL THEN 'cleared' ELSE 'persisting' END
FROM findings_after AS now_
FULL JOIN findings_before AS old
  ON old.doc_sha256 = now_.doc_sha256 AND old.finding_key = now_.finding_key
