-- The documents rows of the given sha256s that the warehouse already holds.
SELECT sha256, path, status, reject_reason FROM documents WHERE sha256 IN (SELECT unnest(?::VARCHAR[]))
