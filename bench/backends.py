"""pandera's pandas and polars backends on the same fact rows: which one checks them faster.

jixiao validates with the pandas backend (`expectations/schemas.py`): the rules and the wording of
findings (`expectations/rules.py`, `tasks/validate.py`) are pandas code. This benchmark measures what
the schema layer would gain on polars. The polars schemas are derived here from the pandas ones,
column by column (same dtypes, same built-in checks); only the frame-wide checks are restated as
polars expressions, so both backends check the same contract.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import duckdb
import pandera.pandas as pa
import pyarrow as pa_arrow

from expectations.schemas import AMOUNT_CONCEPTS, FACT_SCHEMAS, check_fact_frames

_POLARS_DTYPES = {"int64": "Int64", "float64": "Float64", "bool": "Boolean"}


def _frame_checks(table: str) -> list[Any]:
    """The frame-wide checks of `expectations.schemas`, as polars expressions."""
    import pandera.polars as pap
    import polars as pl

    checks = [
        pap.Check(lambda data: data.lazyframe.select(pl.col("span_start") < pl.col("span_end")),
                  name="span_is_forward"),
        pap.Check(lambda data: data.lazyframe.select(~pl.struct("doc_sha256", "fact_id").is_duplicated()),
                  name="fact_id_unique_in_document"),
    ]
    if table == "rates":
        checks += [
            pap.Check(lambda data: data.lazyframe.select(
                ~pl.col("kind").is_in(["share", "execution"]) | pl.col("concept").is_in(AMOUNT_CONCEPTS)),
                name="share_and_execution_name_an_amount"),
            pap.Check(lambda data: data.lazyframe.select((pl.col("kind") == "growth") | (pl.col("value_pct") >= 0)),
                      name="only_growth_is_negative"),
        ]
    return checks


def polars_schemas() -> dict[str, Any]:
    """A pandera.polars schema per fact table, derived from the pandas schema of the same table."""
    import pandera.polars as pap
    import polars as pl

    schemas = {}
    for table, model in FACT_SCHEMAS.items():
        columns = {}
        for name, column in model.to_schema().columns.items():
            dtype = getattr(pl, _POLARS_DTYPES.get(str(column.dtype), "Utf8"))
            columns[name] = pap.Column(dtype, checks=list(column.checks), nullable=column.nullable,
                                       coerce=column.coerce)
        schemas[table] = pap.DataFrameSchema(columns, checks=_frame_checks(table))
    return schemas


def warehouse_fact_tables(db: Path) -> dict[str, pa_arrow.Table]:
    """Every fact table of the warehouse as Arrow, columns typed as the schemas say (the warehouse
    stores some integers as INTEGER, the schemas want int64)."""

    def select(table: str) -> str:
        columns = FACT_SCHEMAS[table].to_schema().columns
        return ", ".join(f"CAST({name} AS BIGINT) AS {name}" if str(column.dtype) == "int64" else name
                         for name, column in columns.items())

    with duckdb.connect(str(db), read_only=True) as conn:
        return {table: conn.sql(f"SELECT {select(table)} FROM {table}").to_arrow_table() for table in FACT_SCHEMAS}


def compare_backends(db: Path) -> dict[str, Any]:
    """Check every fact row of the warehouse with both backends; seconds each, and the faster."""
    import polars as pl

    tables = warehouse_fact_tables(db)
    rows = sum(table.num_rows for table in tables.values())
    schemas = polars_schemas()

    def with_pandas(sample: int | None = None) -> None:
        check_fact_frames({name: (table if sample is None else table.slice(0, sample)).to_pandas()
                           for name, table in tables.items()})

    def with_polars(sample: int | None = None) -> None:
        for name, table in tables.items():
            frame = pl.from_arrow(table if sample is None else table.slice(0, sample))
            try:
                schemas[name].validate(frame, lazy=True)
            except pa.errors.SchemaErrors as errors:  # the same contract: both must accept the rows
                raise AssertionError(f"polars backend rejects {name}: {errors}") from None

    # first calls build schemas and import backends: warm both before timing either
    with_pandas(1000)
    with_polars(1000)
    # each timing includes the conversion from Arrow, as a switch would pay it
    started = time.perf_counter()
    with_pandas()
    pandas_s = time.perf_counter() - started
    started = time.perf_counter()
    with_polars()
    polars_s = time.perf_counter() - started
    return {"schema_rows": rows, "schema_pandas_s": round(pandas_s, 2), "schema_polars_s": round(polars_s, 2),
            "schema_faster_backend": "polars" if polars_s < pandas_s else "pandas"}
