"""Console helpers shared by the `jixiao` commands: output, errors, warehouse access, tables."""

from __future__ import annotations

import contextlib
import functools
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
from rich.text import Text

from jixiao.settings import Settings, describe
from tasks.safe_text import for_terminal

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


def shown(value: Any) -> Text:
    """Data (report text, file names, SQL results, error text quoting them) as a terminal shows it:
    never read as rich markup or emoji codes, control characters (ESC sequences) made visible and inert."""
    return Text(for_terminal(str(value)))


def fail(message: str) -> NoReturn:
    # The message quotes data (paths, queries, DuckDB errors naming values): plain text, never markup.
    stderr_console().print(Text.assemble(("error:", "bold red"), " ", shown(message)), soft_wrap=True)
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


def settings() -> Settings:
    """The CLI's settings, read from the environment (JIXIAO_*) once per distinct environment and passed
    down from here: flows get them as parameters or values, tasks get values (e.g. `read_limits`)."""
    return _settings_for(tuple(sorted((name, value) for name, value in os.environ.items()
                                      if name.upper().startswith("JIXIAO_"))))


@functools.lru_cache(maxsize=4)
def _settings_for(_environment: tuple[tuple[str, str], ...]) -> Settings:
    return Settings()


def default_db() -> Path | LakeTarget:
    return settings().target


def resolve_target(db: str | None, *, writing: bool = True) -> Path | LakeTarget:
    """The warehouse the command works on: --db/--warehouse, else the settings (a clear error if malformed).

    The commands that call this themselves are runs that write it (ingest, correct, audit), so by
    default the target is also checked to be writable (`require_writable`); readers go through
    `open_warehouse`, which passes writing=False."""
    try:
        target = Settings.for_run(db).target
    except ValueError as exc:
        fail(str(exc).splitlines()[0])
    if writing:
        require_writable(target)
    return target


def require_writable(target: Path | LakeTarget) -> None:
    """Fail in one line, before any run starts, when a run could not write a file warehouse, leaving
    it untouched: a folder, a read-only file (a run would replace it: its write bits are the owner's
    "keep as it is", honoured even for root), or a folder where the run cannot create its copy
    `<db>.next` and lock `<db>.lock` (a read-only folder or file system)."""
    from warehouse.db import IN_MEMORY, WarehouseError
    from warehouse.writer import check_writable

    if not isinstance(target, Path) or str(target) == IN_MEMORY:  # a lake: its catalog decides
        return
    if target.is_file():
        require_duckdb_file(target)
    try:
        check_writable(target)
    except WarehouseError as exc:
        fail(str(exc))


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
    require_duckdb_file(target)


DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file (after an 8-byte checksum)
SQLITE_MAGIC = b"SQLite format 3\x00"


def require_duckdb_file(target: Path) -> None:
    """Fail in one line unless `target` starts like a DuckDB database. Checked before DuckDB opens it:
    given a SQLite file, DuckDB would download and load its sqlite extension from the network."""
    try:
        with target.open("rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        fail(f"cannot read the warehouse {target}: {exc.strerror or exc}")
    if head[8:12] != DUCKDB_MAGIC:
        what = " (it is a SQLite database)" if head.startswith(SQLITE_MAGIC) else ""
        fail(f"cannot open the warehouse {target}: not a valid DuckDB database file{what}")


@contextlib.contextmanager
def open_warehouse(db: str | None, *, confined: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection, or a clear error (exit 1) when there is no usable warehouse."""
    import duckdb

    from warehouse.db import WarehouseError
    from warehouse.reader import confine, reading

    target = resolve_target(db, writing=False)
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
    """A rich table of data: title, headers (a query names them) and cells are plain text (`shown`)."""
    table = Table(title=shown(title) if title is not None else None, title_justify="left")
    for index, column in enumerate(columns):
        values = [row[index] for row in rows if row[index] is not None]
        numeric = bool(values) and all(_is_number(value) for value in values)
        table.add_column(shown(column), overflow="fold", justify="right" if numeric else "left")
    for row in rows:
        table.add_row(*(_cell(value) for value in row))
    return table


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _cell(value: Any) -> Text:
    if value is None:
        return Text("NULL", style="dim")
    if isinstance(value, float):
        return Text(f"{value:,.15g}")  # thousands separators; all of a double's digits, no float noise
    # A Text, not a str: a str cell is parsed as markup, and escaping "[" alone lets "\[red]" through.
    return shown(value)
