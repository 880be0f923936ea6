-- Every finding as its key: report, rule, severity and the facts it names.
SELECT doc_sha256, rule, severity, list_sort(fact_ids) AS fact_ids FROM findings
