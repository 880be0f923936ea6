-- The amounts of the reports in ? (VARCHAR[] of sha256), each carrying its effective value (the
-- correction when there is one, the extracted value otherwise); the second ? is the same list.
-- In extraction order (a1, a2, ...), as tasks.frames.facts_to_frames shapes the frames.
SELECT * FROM (
    SELECT a.* REPLACE (coalesce(e.effective_value_yuan, a.value_yuan) AS value_yuan)
    FROM amounts AS a
    LEFT JOIN (SELECT doc_sha256, fact_id, effective_value_yuan FROM v_amounts_effective
               WHERE is_corrected AND doc_sha256 IN (SELECT unnest(?::VARCHAR[]))) AS e USING (doc_sha256, fact_id)
    WHERE a.doc_sha256 IN (SELECT unnest(?::VARCHAR[]))
)
ORDER BY doc_sha256, try_cast(substr(fact_id, 2) AS INTEGER), fact_id
