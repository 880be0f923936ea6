"""`jixiao export --parquet DIR`: every warehouse table and view as Parquet, with their Chinese labels."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jixiao.console import DbOption, fail, open_warehouse, render_table, stdout_console


def export(
    parquet: Annotated[Path, typer.Option(
        "--parquet", file_okay=False, show_default=False,
        help="Folder to write: DIR/<table>/fiscal_year=YYYY/*.parquet, or DIR/<table>.parquet for tables without "
             "a year; DIR/<view>.parquet for each view; DIR/_labels.parquet for the Chinese labels.",
    )],
    db: DbOption = None,
) -> None:
    """Export every table and view of the warehouse to Parquet (readable by DuckDB, Polars, pandas, Spark …).

    Tables of reports and their facts are partitioned by fiscal year (hive style, fiscal_year=2023);
    dimensions and run logs are one file each, and so is each analyst view (v_report_summary, v_findings …).
    The Chinese labels (COMMENT ON) go to _labels.parquet (object_name, object_kind, column_name, label_zh)
    and into each file's key-value metadata (label_zh, label_zh.<column>).
    Re-exporting to the same folder replaces the files.
    """
    import duckdb

    from tasks.export import export_parquet

    with open_warehouse(db) as conn:
        try:
            exported = export_parquet(conn, parquet)
        except (duckdb.Error, OSError) as exc:
            fail(f"export to {parquet} failed: {exc}")
    rows = [(item.table, item.kind, item.rows, "fiscal_year" if item.partitioned else "-", str(item.path))
            for item in exported]
    tables = sum(item.kind == "table" for item in exported)
    views = sum(item.kind == "view" for item in exported)
    stdout_console().print(render_table(["name", "kind", "rows", "partitioned by", "path"], rows,
                                        title=f"Exported {tables} tables, {views} views and their labels to {parquet}"))


def register(app: typer.Typer) -> None:
    app.command()(export)
