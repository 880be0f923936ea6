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

from warehouse.queries import query

PARTITION_COLUMN = "fiscal_year"  # also named in the export/copy_*.sql statements
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


def _statement(name: str, table: str, labels: dict[str, str] | None = None, report_key: str | None = None) -> str:
    """The template `export/<name>.sql` filled in. SQL takes no table or column name as a parameter, so
    those go into the text: `table` is a name the catalog lists (never one a user typed), quoted as an
    identifier, and `report_key` one of _REPORT_KEYS. KV_METADATA takes no empty struct, so it is left
    out for an unlabelled object. Values (the target path, the labels) stay parameters."""
    if report_key is not None and report_key not in _REPORT_KEYS:
        raise ValueError(f"not a report key column: {report_key!r}")
    fills = {"table": _identifier(table), "kv_metadata": ", KV_METADATA $labels" if labels else ""}
    if report_key is not None:
        fills["report_key"] = _identifier(report_key)
    return query(f"export/{name}").format(**fills)


def _copy_parameters(target: Path, labels: dict[str, str]) -> dict[str, object]:
    return {"target": str(target), **({"labels": labels} if labels else {})}


def _columns(conn: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [name for (name,) in conn.execute(query("export/table_columns"), [table]).fetchall()]


def _report_key(table: str, columns: list[str]) -> str | None:
    """The column by which rows of `table` find their report (None: they have none, or are reports)."""
    if table == "reports":
        return None
    return next((column for column in _REPORT_KEYS if column in columns), None)


def export_parquet(conn: duckdb.DuckDBPyConnection, out_dir: Path) -> list[ExportedTable]:
    """Write every base table, every view and the labels file under `out_dir`; return what was written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    labels = warehouse_labels(conn)
    tables = [name for (name,) in conn.execute(query("export/base_tables")).fetchall()]
    exported = [_export_table(conn, table, out_dir, "reports" in tables, _kv_metadata(labels, table))
                for table in tables]
    exported += [_export_view(conn, view, out_dir, _kv_metadata(labels, view)) for view in _views(conn)]
    exported.append(_export_labels(labels, out_dir / LABELS_FILE))
    return exported


def _export_table(conn: duckdb.DuckDBPyConnection, table: str, out_dir: Path, has_reports: bool,
                  labels: dict[str, str]) -> ExportedTable:
    columns = _columns(conn, table)
    has_own_year = PARTITION_COLUMN in columns
    # rows of a report take its fiscal year, when there are reports to take it from
    report_key = None if has_own_year or not has_reports else _report_key(table, columns)
    partitioned = has_own_year or report_key is not None
    rows = conn.execute(_statement("count_rows", table)).fetchone()[0]
    if not partitioned:
        target = out_dir / f"{table}.parquet"
        conn.execute(_statement("copy_to_parquet_file", table, labels), _copy_parameters(target, labels))
        return ExportedTable(table=table, rows=rows, partitioned=False, path=target)
    target = out_dir / table
    if rows == 0:
        # no partition to write: one empty file keeps the table's schema readable
        empty = target / f"{PARTITION_COLUMN}=NULL" / "data_0.parquet"
        empty.parent.mkdir(parents=True, exist_ok=True)
        # a table taking its report's year has no fiscal_year column of its own to leave out
        statement = "copy_without_fiscal_year" if has_own_year else "copy_to_parquet_file"
        conn.execute(_statement(statement, table, labels), _copy_parameters(empty, labels))
    elif has_own_year:
        conn.execute(_statement("copy_partitioned_by_fiscal_year", table, labels), _copy_parameters(target, labels))
    else:
        conn.execute(_statement("copy_partitioned_by_report_year", table, labels, report_key=report_key),
                     _copy_parameters(target, labels))
    return ExportedTable(table=table, rows=rows, partitioned=True, path=target)


def _views(conn: duckdb.DuckDBPyConnection) -> list[str]:
    return [name for (name,) in conn.execute(query("export/views")).fetchall()]


def _export_view(conn: duckdb.DuckDBPyConnection, view: str, out_dir: Path, labels: dict[str, str]) -> ExportedTable:
    target = out_dir / f"{view}.parquet"
    written = conn.execute(_statement("copy_to_parquet_file", view, labels), _copy_parameters(target, labels)).fetchone()
    return ExportedTable(table=view, rows=written[0] if written else 0, partitioned=False, path=target, kind="view")


# --- Chinese labels ------------------------------------------------------------------------------------


def warehouse_labels(conn: duckdb.DuckDBPyConnection) -> list[Label]:
    """The COMMENT ON labels of every table and view and of their columns (objects first, then columns
    in column order); view columns without a comment borrow the one of the column they read."""
    objects = conn.execute(query("export/object_labels")).fetchall()
    kinds = {name: kind for name, kind, _ in objects}
    columns = conn.execute(query("export/column_labels")).fetchall()
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
    rows = conn.execute(query("export/view_definitions")).fetchall()
    return {view: list(dict.fromkeys(match.group(2) for match in _READS_FROM.finditer(sql or "")))
            for view, sql in rows}


def _kv_metadata(labels: list[Label], name: str) -> dict[str, str]:
    """The Parquet key-value metadata of table or view `name`: label_zh, label_zh.<column> (may be empty)."""
    return {LABEL_KEY if label.column_name is None else f"{LABEL_KEY}.{label.column_name}": label.label_zh
            for label in labels if label.object_name == name}


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
