-- TEMPLATE (tasks/export.py _statement fills it): the table placeholder is the quoted identifier of a
-- table or view the catalog lists (SQL takes no table name as a parameter); the kv_metadata one is
-- empty or the KV_METADATA option bound to $labels (KV_METADATA takes no empty struct).
-- Placeholders appear only in the statement below, never in these comments: a name holding a line
-- break must not end a comment. Write the whole table or view to the Parquet file $target.
COPY (SELECT * FROM {table}) TO $target (FORMAT PARQUET{kv_metadata})
