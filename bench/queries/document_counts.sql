-- Documents, distinct paths and accepted reports: each file once, whatever the batches were.
SELECT count(*), count(DISTINCT path), (SELECT count(*) FROM reports) FROM documents
