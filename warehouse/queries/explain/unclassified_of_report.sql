-- The money figures of report ? read but given no concept, in text order, with why and where.
SELECT as_written, label, reason, span_start, span_end
FROM unclassified
WHERE doc_sha256 = ?
ORDER BY item_no
