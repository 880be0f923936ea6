"""Export every warehouse table and analyst view to Parquet, tables partitioned by fiscal year, for
warehouses that outgrow one DuckDB file (Spark, Polars, pandas, Trino, DuckDB itself read it).

    DIR/<table>/fiscal_year=2023/data_0.parquet   tables with a fiscal year (hive partitioning)
    DIR/<table>.parquet                            the others (dimensions, runs)
    DIR/<view>.parquet                             each view (v_report_summary, v_findings, ...), one file
    DIR/_labels.parquet                            the Chinese labels (COMMENT ON) of every table, view, column

The Chinese labels also travel inside each file as Parquet key-value metadata: `label_zh` for the
table or view, `label_zh.<column>` for each column. A view column without a comment of its own takes
the label of the same-named column of the first table (or view) its SQL reads from that has one.

A table has a fiscal year when it has the column (reports, audit tables) or when its rows belong to a
report: fact tables and findings (doc_sha256) and documents (sha256) take their report's fiscal_year
as an added partition column. Rows of no report (rejected documents) go to fiscal_year=NULL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

PARTITION_COLUMN = "fiscal_year"
LABELS_FILE = "_labels.parquet"
LABEL_KEY = "label_zh"  # Parquet key-value metadata: label_zh (the object), label_zh.<column> (its columns)
# tables and views named after FROM / JOIN in a view's SQL: where its columns come from
_READS_FROM = re.compile(r'\b(?:FROM|JOIN)\s+("?)(\w+)\1', re.IGNORECASE)
# how rows of a table find their report, by the column that holds the report's sha256
_REPORT_KEYS: tuple[str, ...] = ("doc_sha256", "sha256")


@dataclass(frozen=True, slots=True)
class ExportedTable:
    table: str
    rows: int
    partitioned: bool
    path: Path
    kind: str = "table"  # 'table', 'view' or 'labels' (the _labels.parquet file)


@dataclass(frozen=True, slots=True)
class Label:
    """One row of _labels.parquet: the Chinese label of a table or view (column_name None) or a column."""

    object_name: str
    object_kind: str  # 'table' | 'view'
    column_name: str | None
    label_zh: str


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
    """Write every base table, every view and the labels file under `out_dir`; return what was written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    labels = warehouse_labels(conn)
    tables = [name for (name,) in conn.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT internal AND schema_name = 'main' ORDER BY table_name"
    ).fetchall()]
    exported = [_export_table(conn, table, out_dir, "reports" in tables, _kv_metadata(labels, table))
                for table in tables]
    exported += [_export_view(conn, view, out_dir, _kv_metadata(labels, view)) for view in _views(conn)]
    exported.append(_export_labels(labels, out_dir / LABELS_FILE))
    return exported


def _export_table(conn: duckdb.DuckDBPyConnection, table: str, out_dir: Path, has_reports: bool,
                  kv_metadata: str) -> ExportedTable:
    columns = _columns(conn, table)
    query, partitioned = _source_query(table, columns)
    partitioned = partitioned and (has_reports or PARTITION_COLUMN in columns)
    if not partitioned:
        query = f"SELECT * FROM {_identifier(table)}"
    rows = conn.execute(f"SELECT count(*) FROM {_identifier(table)}").fetchone()[0]
    if partitioned:
        target = out_dir / table
        options = f"FORMAT PARQUET, PARTITION_BY ({PARTITION_COLUMN}), OVERWRITE{kv_metadata}"
    else:
        target = out_dir / f"{table}.parquet"
        options = f"FORMAT PARQUET{kv_metadata}"
    if partitioned and rows == 0:
        # no partition to write: one empty file keeps the table's schema readable
        empty = target / f"{PARTITION_COLUMN}=NULL" / "data_0.parquet"
        empty.parent.mkdir(parents=True, exist_ok=True)
        conn.execute(f"COPY (SELECT * EXCLUDE ({PARTITION_COLUMN}) FROM ({query})) TO {_literal(str(empty))} "
                     f"(FORMAT PARQUET{kv_metadata})")
    else:
        conn.execute(f"COPY ({query}) TO {_literal(str(target))} ({options})")
    return ExportedTable(table=table, rows=rows, partitioned=partitioned, path=target)


def _views(conn: duckdb.DuckDBPyConnection) -> list[str]:
    return [name for (name,) in conn.execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal AND NOT temporary AND schema_name = 'main' "
        "AND database_name = current_database() ORDER BY view_name").fetchall()]


def _export_view(conn: duckdb.DuckDBPyConnection, view: str, out_dir: Path, kv_metadata: str) -> ExportedTable:
    target = out_dir / f"{view}.parquet"
    written = conn.execute(f"COPY (SELECT * FROM {_identifier(view)}) TO {_literal(str(target))} "
                           f"(FORMAT PARQUET{kv_metadata})").fetchone()
    return ExportedTable(table=view, rows=written[0] if written else 0, partitioned=False, path=target, kind="view")


# --- Chinese labels ------------------------------------------------------------------------------------


def warehouse_labels(conn: duckdb.DuckDBPyConnection) -> list[Label]:
    """The COMMENT ON labels of every table and view and of their columns (objects first, then columns
    in column order); view columns without a comment borrow the one of the column they read."""
    objects = conn.execute(
        """
        SELECT table_name, 'table', comment FROM duckdb_tables()
        WHERE NOT internal AND schema_name = 'main' AND database_name = current_database()
        UNION ALL
        SELECT view_name, 'view', comment FROM duckdb_views()
        WHERE NOT internal AND NOT temporary AND schema_name = 'main' AND database_name = current_database()
        """).fetchall()
    kinds = {name: kind for name, kind, _ in objects}
    columns = conn.execute(
        "SELECT table_name, column_name, comment FROM duckdb_columns() "
        "WHERE NOT internal AND schema_name = 'main' AND database_name = current_database() "
        "ORDER BY table_name, column_index").fetchall()
    own = {(name, column): comment for name, column, comment in columns if comment}
    reads = _view_sources(conn)
    labels = [Label(name, kind, None, comment) for name, kind, comment in sorted(objects) if comment]
    for name, column, comment in columns:
        if name not in kinds:
            continue
        label = comment or next((own[(source, column)] for source in reads.get(name, [])
                                 if (source, column) in own), None)
        if label:
            labels.append(Label(name, kinds[name], column, label))
    return labels


def _view_sources(conn: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """For each view, the tables and views its SQL names after FROM or JOIN, in order."""
    rows = conn.execute(
        "SELECT view_name, sql FROM duckdb_views() WHERE NOT internal AND NOT temporary AND schema_name = 'main' "
        "AND database_name = current_database()").fetchall()
    return {view: list(dict.fromkeys(match.group(2) for match in _READS_FROM.finditer(sql or "")))
            for view, sql in rows}


def _kv_metadata(labels: list[Label], name: str) -> str:
    """`, KV_METADATA {...}` for a COPY of table or view `name`, or "" when it has no label."""
    pairs = [(LABEL_KEY if label.column_name is None else f"{LABEL_KEY}.{label.column_name}", label.label_zh)
             for label in labels if label.object_name == name]
    if not pairs:
        return ""
    return ", KV_METADATA {" + ", ".join(f"{_literal(key)}: {_literal(value)}" for key, value in pairs) + "}"


def _export_labels(labels: list[Label], target: Path) -> ExportedTable:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("object_name", pa.string()), ("object_kind", pa.string()),
                        ("column_name", pa.string()), ("label_zh", pa.string())],
                       metadata={LABEL_KEY: "表、视图及其列的中文标签"})
    table = pa.table({"object_name": [label.object_name for label in labels],
                      "object_kind": [label.object_kind for label in labels],
                      "column_name": [label.column_name for label in labels],
                      "label_zh": [label.label_zh for label in labels]}, schema=schema)
    pq.write_table(table, target)
    return ExportedTable(table=target.stem, rows=len(labels), partitioned=False, path=target, kind="labels")
