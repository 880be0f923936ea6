-- TEMPLATE: placeholders as in copy_to_parquet_file.sql, and report_key: the quoted column holding
-- the sha256 of the row's report, one of tasks/export.py's _REPORT_KEYS. A table whose rows belong
-- to reports, under the folder $target partitioned by their report's fiscal year (added as a
-- column; rows of no report go to fiscal_year=NULL).
COPY (SELECT t.*, r.fiscal_year FROM {table} AS t LEFT JOIN reports AS r ON r.sha256 = t.{report_key})
TO $target (FORMAT PARQUET, PARTITION_BY (fiscal_year), OVERWRITE{kv_metadata})
