-- The columns of table ?, in order.
SELECT column_name
FROM duckdb_columns()
WHERE table_name = ? AND schema_name = 'main'
ORDER BY column_index
