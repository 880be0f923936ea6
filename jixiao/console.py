"""Console helpers shared by the `jixiao` commands: output, errors, warehouse access, tables."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from jixiao.settings import Settings, describe

if TYPE_CHECKING:
    import duckdb

    from warehouse.lake import LakeTarget

PIPED_WIDTH = 200

DbOption = Annotated[
    str | None,
    typer.Option("--db", "--warehouse", metavar="PATH|URL",
                 help="The warehouse: a DuckDB file, or ducklake+postgres://user@host/db?data_path=/shared/lake "
                      "(default: $JIXIAO_WAREHOUSE, else $JIXIAO_DB, else warehouse/jixiao.duckdb).",
                 show_default=False),
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


class _ExpectedErrorFilter(logging.Filter):
    """Drops Prefect's traceback of a flow that failed on an expected, explained error (a busy or
    unreadable warehouse): the command prints that error as one line instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        from warehouse.db import WarehouseError

        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, WarehouseError)


@contextlib.contextmanager
def flow_errors_as_one_line(command: str) -> Iterator[None]:
    """Run a flow from a command: an expected error is one line (exit 1), anything else names the
    command that failed (Prefect has logged its traceback)."""
    from warehouse.db import WarehouseError

    flow_logger = logging.getLogger("prefect.flow_runs")
    quiet = _ExpectedErrorFilter()
    flow_logger.addFilter(quiet)
    try:
        yield
    except WarehouseError as exc:
        fail(str(exc))
    except Exception as exc:  # the run itself failed: say why, exit 1
        fail(f"{command} failed: {type(exc).__name__}: {exc}")
    finally:
        flow_logger.removeFilter(quiet)


def default_db() -> Path | LakeTarget:
    return Settings().target


def resolve_target(db: str | None) -> Path | LakeTarget:
    """The warehouse the command works on: --db/--warehouse, else the settings (a clear error if malformed)."""
    try:
        return Settings.for_run(db).target
    except ValueError as exc:
        fail(str(exc).splitlines()[0])


def require_warehouse(target: Path | LakeTarget) -> None:
    """Fail with what to do when a file warehouse does not exist (yet) or the path is wrong."""
    from warehouse.writer import is_being_written, lock_holder

    if not isinstance(target, Path):  # a lake: its catalog says, when it is opened
        return
    if target.is_dir():
        fail(f"the warehouse path {target} is a folder: pass --db the DuckDB file (e.g. {target / 'jixiao.duckdb'}).")
    if not target.is_file():
        if is_being_written(target):
            fail(f"no warehouse at {target} yet: its first run ({lock_holder(target)}) is still writing it; "
                 "it appears when that run ends.")
        fail(f"no warehouse at {target}: run `jixiao ingest PATH...` first, or pass --db / set JIXIAO_DB.")


@contextlib.contextmanager
def open_warehouse(db: str | None, *, confined: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection, or a clear error (exit 1) when there is no usable warehouse."""
    import duckdb

    from warehouse.db import WarehouseError
    from warehouse.reader import confine, reading

    target = resolve_target(db)
    require_warehouse(target)
    try:
        conn = reading(target)
    except WarehouseError as exc:  # names the warehouse and the cause
        fail(str(exc))
    except duckdb.Error as exc:
        fail(f"cannot open the warehouse {describe(target)}: {exc}")
    if confined:
        confine(conn, target)
    try:
        yield conn
    finally:
        conn.close()


def run_query(conn: duckdb.DuckDBPyConnection, query: str, params: dict[str, Any] | None,
              limit: int | None = None, timeout_s: float | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run `query`; after `timeout_s` it is interrupted and the command fails saying so."""
    import duckdb

    timer = threading.Timer(timeout_s, conn.interrupt) if timeout_s else None
    if timer:
        timer.daemon = True
        timer.start()
    try:
        cursor = conn.execute(query, params)
        if cursor.description is None:
            return [], []
        columns = [column[0] for column in cursor.description]
        rows = cursor.fetchall() if limit is None else cursor.fetchmany(limit)
    except duckdb.InterruptException:
        fail(f"the query was stopped after {timeout_s:g} s (--timeout): narrow it, or raise the limit")
    except duckdb.Error as exc:
        fail(f"query failed: {exc}")
    finally:
        if timer:
            timer.cancel()
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
