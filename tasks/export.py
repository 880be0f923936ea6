"""Export every warehouse table to Parquet, partitioned by fiscal year, for warehouses that outgrow one
DuckDB file (Spark, Polars, pandas, Trino, DuckDB itself read it).

    DIR/<table>/fiscal_year=2023/data_0.parquet   tables with a fiscal year (hive partitioning)
    DIR/<table>.parquet                            the others (dimensions, runs)

A table has a fiscal year when it has the column (reports, audit tables) or when its rows belong to a
report: fact tables and findings (doc_sha256) and documents (sha256) take their report's fiscal_year
as an added partition column. Rows of no report (rejected documents) go to fiscal_year=NULL.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

PARTITION_COLUMN = "fiscal_year"
# how rows of a table find their report, by the column that holds the report's sha256
_REPORT_KEYS: tuple[str, ...] = ("doc_sha256", "sha256")


@dataclass(frozen=True, slots=True)
class ExportedTable:
    table: str
    rows: int
    partitioned: bool
    path: Path


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    # COPY ... TO takes its target as a literal, not a bound parameter: quote it as SQL quotes strings.
    return "'" + text.replace("'", "''") + "'"


def _columns(conn: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = conn.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND schema_name = 'main' "
        "ORDER BY column_index", [table]).fetchall()
    return [name for (name,) in rows]


def _source_query(table: str, columns: list[str]) -> tuple[str, bool]:
    """SELECT for one table, with a fiscal_year column to partition on when it has (or can take) one."""
    quoted = _identifier(table)
    if PARTITION_COLUMN in columns:
        return f"SELECT * FROM {quoted}", True
    key = next((column for column in _REPORT_KEYS if column in columns), None)
    if key is None or table == "reports":
        return f"SELECT * FROM {quoted}", False
    return (f"SELECT t.*, r.fiscal_year FROM {quoted} AS t LEFT JOIN reports AS r ON r.sha256 = t.{_identifier(key)}",
            True)


def export_parquet(conn: duckdb.DuckDBPyConnection, out_dir: Path) -> list[ExportedTable]:
    """Write every base table of the warehouse under `out_dir`; return what was written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = [name for (name,) in conn.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT internal AND schema_name = 'main' ORDER BY table_name"
    ).fetchall()]
    has_reports = "reports" in tables
    exported = []
    for table in tables:
        columns = _columns(conn, table)
        query, partitioned = _source_query(table, columns)
        partitioned = partitioned and (has_reports or PARTITION_COLUMN in columns)
        if not partitioned:
            query = f"SELECT * FROM {_identifier(table)}"
        rows = conn.execute(f"SELECT count(*) FROM {_identifier(table)}").fetchone()[0]
        if partitioned:
            target = out_dir / table
            options = f"FORMAT PARQUET, PARTITION_BY ({PARTITION_COLUMN}), OVERWRITE"
        else:
            target = out_dir / f"{table}.parquet"
            options = "FORMAT PARQUET"
        if partitioned and rows == 0:
            # no partition to write: one empty file keeps the table's schema readable
            empty = target / f"{PARTITION_COLUMN}=NULL" / "data_0.parquet"
            empty.parent.mkdir(parents=True, exist_ok=True)
            conn.execute(f"COPY (SELECT * EXCLUDE ({PARTITION_COLUMN}) FROM ({query})) TO {_literal(str(empty))} "
                         "(FORMAT PARQUET)")
        else:
            conn.execute(f"COPY ({query}) TO {_literal(str(target))} ({options})")
        exported.append(ExportedTable(table=table, rows=rows, partitioned=partitioned, path=target))
    return exported
