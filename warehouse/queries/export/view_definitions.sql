-- The SQL of each analyst view (to find the tables and views it reads from).
SELECT view_name, sql
FROM duckdb_views()
WHERE NOT internal AND NOT temporary AND schema_name = 'main' AND database_name = current_database()
