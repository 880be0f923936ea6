-- Each amount concept, and whether a report may state several items of it (then a correction names one).
SELECT concept, multiple
FROM concepts
WHERE kind = 'amount'
