"""`jixiao correct FILE.csv`: load reviewed corrections of extracted amounts (an overlay on the facts)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jixiao.console import DbOption, fail, require_warehouse, resolve_target, stderr_console, stdout_console


def correct(
    csv_file: Annotated[Path, typer.Argument(
        help="CSV with the columns document (file name or sha256 prefix), concept, basis, corrected_value_yuan, "
             "reason, author; optionally fact_id (to pick one item of a concept listed item by item). "
             "concept and basis by name or by their Chinese label (income.other or 其他收入, final or 决算数).",
        exists=True, dir_okay=False, show_default=False)],
    db: DbOption = None,
) -> None:
    """Load corrections into the warehouse; they never edit the extracted facts.

    The file is checked whole first: a row naming a report, concept or figure that does not exist,
    or a document that fits several reports, is an error (exit 1) and nothing is loaded. Loading the
    same file again changes nothing. Then `jixiao revalidate` applies them to the findings;
    `v_amounts_effective` shows extracted and corrected values side by side.
    """
    import duckdb

    from jixiao.console import settings
    from jixiao.settings import describe
    from tasks.corrections import CorrectionError, load_corrections
    from warehouse.db import WarehouseError
    from warehouse.writer import writing

    path = resolve_target(db)
    require_warehouse(path)
    err = stderr_console()
    try:
        with writing(path, holder="jixiao correct", wait_s=settings().lock_wait_s,
                     on_wait=lambda message: err.print(message, soft_wrap=True, markup=False)) as conn:
            result = load_corrections(conn, csv_file)
    except (duckdb.Error, WarehouseError) as exc:
        fail(f"cannot write the warehouse {describe(path)}: {exc}")
    except CorrectionError as exc:
        err.print(f"[bold red]error:[/bold red] {csv_file.name}: {len(exc.problems)} problem(s), nothing was loaded:",
                  soft_wrap=True)
        for problem in exc.problems:
            err.print(f"  {problem}", soft_wrap=True, markup=False)
        raise typer.Exit(1) from None
    out = stdout_console()
    reports = len(result.reports)
    out.print(f"{result.rows} correction(s) in {csv_file.name} for {reports} report(s): "
              f"{result.added} new, {result.already_loaded} already loaded.", highlight=False)
    if result.added:
        out.print("Apply them to the findings: jixiao revalidate --status failed"
                  " (or --unit / --year for the reports concerned).", highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command()(correct)
