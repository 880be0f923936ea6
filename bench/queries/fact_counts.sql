-- Per accepted report: its fact rows per table (the bench compares them with a plain sequential run).
SELECT r.sha256,
       (SELECT count(*) FROM amounts AS a WHERE a.doc_sha256 = r.sha256)      AS amounts,
       (SELECT count(*) FROM rates AS t WHERE t.doc_sha256 = r.sha256)        AS rates,
       (SELECT count(*) FROM staff AS s WHERE s.doc_sha256 = r.sha256)        AS staff,
       (SELECT count(*) FROM scores AS c WHERE c.doc_sha256 = r.sha256)       AS scores,
       (SELECT count(*) FROM unclassified AS u WHERE u.doc_sha256 = r.sha256) AS unclassified
FROM reports AS r
