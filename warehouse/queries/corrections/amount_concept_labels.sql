-- The amount concepts and their Chinese labels, the names a corrections file may give its concept column.
SELECT concept, zh_label
FROM concepts
WHERE kind = 'amount'
ORDER BY concept
