-- Which of the given sha256s have a documents row (one list, NULL when none).
SELECT list(sha256) FROM documents WHERE sha256 IN (SELECT unnest(?::VARCHAR[]))
