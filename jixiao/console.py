"""Console helpers shared by the `jixiao` commands: output, errors, warehouse access, tables."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from jixiao.settings import Settings

if TYPE_CHECKING:
    import duckdb

PIPED_WIDTH = 200

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="DuckDB warehouse file (default: $JIXIAO_DB, else warehouse/jixiao.duckdb).",
                 show_default=False, dir_okay=False),
]
InputPaths = Annotated[
    list[Path],
    typer.Argument(help="Report files or folders (folders are walked; dot-files are skipped).",
                   exists=True, show_default=False),
]


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False)


def stdout_console() -> Console:
    # Piped or redirected output gets a wide page rather than rich's 80 columns, so table rows stay
    # on one line for `less -S`, grep and files. A terminal (or $COLUMNS) sets its own width.
    console = Console()
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(width=PIPED_WIDTH)
    return console


def fail(message: str) -> NoReturn:
    stderr_console().print(f"[bold red]error:[/bold red] {message}", soft_wrap=True)
    raise typer.Exit(1)


def default_db() -> Path:
    return Settings().db


@contextlib.contextmanager
def open_warehouse(db: Path | None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection, or a clear error (exit 1) when there is no usable warehouse."""
    import duckdb

    from warehouse.db import WarehouseError, connect

    path = db or default_db()
    if not path.is_file():
        fail(f"no warehouse at {path}: run `jixiao ingest PATH...` first, or pass --db / set JIXIAO_DB.")
    try:
        conn = connect(path, read_only=True)
    except (duckdb.Error, WarehouseError) as exc:
        fail(f"cannot open the warehouse {path}: {exc}")
    try:
        yield conn
    finally:
        conn.close()


def run_query(conn: duckdb.DuckDBPyConnection, query: str, params: dict[str, Any] | None,
           limit: int | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
    import duckdb

    try:
        cursor = conn.execute(query, params)
        if cursor.description is None:
            return [], []
        columns = [column[0] for column in cursor.description]
        rows = cursor.fetchall() if limit is None else cursor.fetchmany(limit)
    except duckdb.Error as exc:
        fail(f"query failed: {exc}")
    return columns, rows


def render_table(columns: list[str], rows: list[Any], title: str | None = None) -> Table:
    table = Table(title=title, title_justify="left")
    for index, column in enumerate(columns):
        values = [row[index] for row in rows if row[index] is not None]
        numeric = bool(values) and all(_is_number(value) for value in values)
        table.add_column(column, overflow="fold", justify="right" if numeric else "left")
    for row in rows:
        table.add_row(*(_cell(value) for value in row))
    return table


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _cell(value: Any) -> str:
    if value is None:
        return "[dim]NULL[/dim]"
    if isinstance(value, float):
        return f"{value:,.15g}"  # thousands separators; all of a double's digits, no float noise
    return str(value).replace("[", r"\[")  # cell text is data, not rich markup
