-- The analyst views of the warehouse (not DuckDB's own, not temporary ones), by name.
SELECT view_name
FROM duckdb_views()
WHERE NOT internal AND NOT temporary AND schema_name = 'main' AND database_name = current_database()
ORDER BY view_name
