-- The staff of the reports in ? (VARCHAR[] of sha256), in extraction order (s1, s2, ...), as
-- tasks.frames.facts_to_frames shapes the frames. (No corrections apply to staff: amounts only.)
SELECT * FROM (SELECT * FROM staff WHERE doc_sha256 IN (SELECT unnest(?::VARCHAR[])))
ORDER BY doc_sha256, try_cast(substr(fact_id, 2) AS INTEGER), fact_id
