"""`jixiao export --parquet DIR`: every warehouse table as Parquet, partitioned by fiscal year."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jixiao.console import DbOption, open_warehouse, render_table, stdout_console


def export(
    parquet: Annotated[Path, typer.Option(
        "--parquet", file_okay=False, show_default=False,
        help="Folder to write: DIR/<table>/fiscal_year=YYYY/*.parquet, or DIR/<table>.parquet for tables without a year.",
    )],
    db: DbOption = None,
) -> None:
    """Export every table of the warehouse to Parquet (readable by DuckDB, Polars, pandas, Spark …).

    Tables of reports and their facts are partitioned by fiscal year (hive style, fiscal_year=2023);
    dimensions and run logs are one file each. Re-exporting to the same folder replaces the tables.
    """
    from tasks.export import export_parquet

    with open_warehouse(db) as conn:
        exported = export_parquet(conn, parquet)
    rows = [(item.table, item.rows, "fiscal_year" if item.partitioned else "-", str(item.path)) for item in exported]
    stdout_console().print(render_table(["table", "rows", "partitioned by", "path"], rows,
                                        title=f"Exported {len(exported)} tables to {parquet}"))


def register(app: typer.Typer) -> None:
    app.command()(export)
