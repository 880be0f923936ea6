-- The rates of the reports in ? (VARCHAR[] of sha256), in extraction order (r1, r2, ...), as
-- tasks.frames.facts_to_frames shapes the frames. (No corrections apply to rates: amounts only.)
SELECT * FROM (SELECT * FROM rates WHERE doc_sha256 IN (SELECT unnest(?::VARCHAR[])))
ORDER BY doc_sha256, try_cast(substr(fact_id, 2) AS INTEGER), fact_id
