-- TEMPLATE (tasks/export.py _statement fills it): the table placeholder is the quoted identifier of a
-- table the catalog lists, since SQL takes no table name as a parameter. How many rows the table has.
SELECT count(*) FROM {table}
