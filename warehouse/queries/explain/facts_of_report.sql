-- Every fact of report $sha, whatever its kind, in one shape: doc, fact id, kind, concept (a score's
-- label), qualifier (an amount's basis, a rate's kind), as written, value, unit, span, and for an
-- amount its correction (value and reason, NULL when none).
SELECT doc_sha256, fact_id, 'amount', a.concept, basis, as_written, extracted_value_yuan, '元',
       span_start, span_end, corrected_value_yuan, correction_reason
FROM v_amounts_effective AS a WHERE doc_sha256 = $sha
UNION ALL SELECT doc_sha256, fact_id, 'rate', concept, kind, as_written, value_pct, '%', span_start, span_end,
       NULL, NULL FROM rates WHERE doc_sha256 = $sha
UNION ALL SELECT doc_sha256, fact_id, 'staff', concept, NULL, as_written, value, '人', span_start, span_end,
       NULL, NULL FROM staff WHERE doc_sha256 = $sha
UNION ALL SELECT doc_sha256, fact_id, 'score', label, NULL, as_written, value, '分', span_start, span_end,
       NULL, NULL FROM scores WHERE doc_sha256 = $sha
