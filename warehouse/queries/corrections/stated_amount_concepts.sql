-- The concepts (with basis) of the amounts report ? states, as one text: 'a (b), c (d)'; NULL for none.
SELECT string_agg(DISTINCT concept || ' (' || basis || ')', ', ' ORDER BY concept || ' (' || basis || ')')
FROM amounts
WHERE doc_sha256 = ?
