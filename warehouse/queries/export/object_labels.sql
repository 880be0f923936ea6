-- Every table and view of the warehouse with its kind and its comment (the Chinese label, or NULL).
SELECT table_name, 'table', comment FROM duckdb_tables()
WHERE NOT internal AND schema_name = 'main' AND database_name = current_database()
UNION ALL
SELECT view_name, 'view', comment FROM duckdb_views()
WHERE NOT internal AND NOT temporary AND schema_name = 'main' AND database_name = current_database()
