-- The base tables of the warehouse, by name.
SELECT table_name
FROM duckdb_tables()
WHERE NOT internal AND schema_name = 'main'
ORDER BY table_name
