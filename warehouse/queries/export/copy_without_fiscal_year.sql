-- TEMPLATE: placeholders as in copy_to_parquet_file.sql. The table (with no rows: no partition to
-- write) to the one Parquet file $target of its fiscal_year=NULL folder, without its fiscal_year
-- column: hive partitioning gives that back from the folder name.
COPY (SELECT * EXCLUDE (fiscal_year) FROM {table}) TO $target (FORMAT PARQUET{kv_metadata})
