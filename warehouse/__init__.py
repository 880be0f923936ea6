"""DuckDB schema, views and the module that opens connections and migrates."""
