-- The bases and their Chinese labels, the names a corrections file may give its basis column.
SELECT basis, zh_label
FROM bases
ORDER BY basis
