-- TEMPLATE: placeholders as in copy_to_parquet_file.sql. A table with a fiscal_year column, under
-- the folder $target partitioned by it (hive style: fiscal_year=2023/data_0.parquet).
COPY (SELECT * FROM {table})
TO $target (FORMAT PARQUET, PARTITION_BY (fiscal_year), OVERWRITE{kv_metadata})
