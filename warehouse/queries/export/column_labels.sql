-- Every column of the warehouse's tables and views with its comment (the Chinese label, or NULL).
SELECT table_name, column_name, comment
FROM duckdb_columns()
WHERE NOT internal AND schema_name = 'main' AND database_name = current_database()
ORDER BY table_name, column_index
