"""`jixiao revalidate`: run the rules again over the stored facts (corrections applied), no file read."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.markup import escape

from jixiao.console import (
    DbOption,
    fail,
    flow_errors_as_one_line,
    open_warehouse,
    render_table,
    stdout_console,
)
from warehouse.queries import query

# Shared with `jixiao ingest` (jixiao/cli.py): both run their steps directly unless Prefect records the run.
PrefectOption = Annotated[bool, typer.Option(
    "--prefect", help="Run as a Prefect flow run even with no Prefect API configured (an ephemeral server, "
                      "~10 s to start). Default: a flow run only when PREFECT_API_URL (env or profile) is set.")]


class ValidationResult(StrEnum):
    passed = "passed"
    warning = "warning"
    failed = "failed"


def revalidate(
    status: Annotated[ValidationResult | None, typer.Option(
        "--status", help="Only reports with this validation result now.", show_default=False)] = None,
    year: Annotated[int | None, typer.Option("--year", help="Only this fiscal year.", show_default=False)] = None,
    unit: Annotated[str | None, typer.Option(
        "--unit", help="Only units whose name contains this text.", show_default=False)] = None,
    rule: Annotated[str | None, typer.Option(
        "--rule", help="Only reports with a current finding of this rule (e.g. sum_mismatch).",
        show_default=False)] = None,
    all_versions: Annotated[bool, typer.Option(
        "--all-versions", help="Older versions of a file too (default: the latest only).")] = False,
    reextract: Annotated[bool, typer.Option(
        "--reextract", help="Read the archived bytes and extract them again (after an extractor fix), "
                            "replacing each report's facts and findings.")] = False,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="List the reports a run would touch; change nothing.")] = False,
    db: DbOption = None,
    batch_size: Annotated[int | None, typer.Option(
        "--batch-size", min=1, show_default=False, help="Reports per batch (one task, one transaction; default: $JIXIAO_REVALIDATE_BATCH_SIZE, else 10000, and $JIXIAO_BATCH_SIZE with --reextract).")] = None,
    prefect: PrefectOption = False,
) -> None:
    """Re-run the validation rules over the facts in the warehouse for the selected reports, applying
    loaded corrections (a Prefect flow run when a Prefect API is configured or with --prefect; the same
    steps directly otherwise). No file is read again unless --reextract.

    Replaces those reports' findings and status and records what was raised, cleared and kept
    (`jixiao findings --diff RUN_A RUN_B`, view v_finding_history). Exit 0 when the run completes.
    """
    from tasks.revalidate import Selection, select_reports  # no Prefect: a dry run never imports it

    selection = Selection(status=status.value if status else None, year=year, unit=unit, rule=rule,
                          all_versions=all_versions)
    with open_warehouse(db) as conn:
        known = [name for name, _ in conn.execute(query("rules/rules_with_labels")).fetchall()]
        if rule is not None and rule not in known:
            fail(f"unknown rule {rule!r}; the rules are: {', '.join(known)}")
        selected = select_reports(conn, selection)
    out = stdout_console()
    if dry_run:
        if not selected:
            out.print("No reports match: a run would touch nothing.")
            return
        rows = [[r.sha256[:12], r.file_name, r.unit_name, r.fiscal_year, r.status] for r in selected]
        out.print(render_table(["sha256", "file", "unit", "year", "status"], rows,
                               title=f"{len(rows)} report(s) would be {'re-extracted' if reextract else 'revalidated'}"
                                     " (dry run: nothing changed)"))
        return
    if not selected:  # no run for nothing: the dry run would have listed nothing either
        out.print("No reports match: nothing to revalidate.")
        return
    summary = _run(selection, reextract=reextract, db=db, batch_size=batch_size, prefect=prefect)
    _render(out, summary, db)


def _run(selection: Any, *, reextract: bool, db: Any, batch_size: int | None, prefect: bool) -> dict[str, Any]:
    from flows.revalidate import run_revalidate

    with flow_errors_as_one_line("revalidate"):
        return run_revalidate(selection, reextract=reextract, db=str(db) if db else None, batch_size=batch_size,
                              orchestrator="prefect" if prefect else "auto")
    raise AssertionError("unreachable: flow_errors_as_one_line exits on an error")


def _render(out: Any, summary: dict[str, Any], db: Any) -> None:
    action = "re-extracted" if summary["reextract"] else "revalidated"
    out.print(f"run {summary['run_id']}: {summary['revalidated']} report(s) {action} "
              f"(no input file read{'; archived bytes read' if summary['reextract'] else ''}).", highlight=False)
    out.print(f"findings: {summary['raised']} raised, {summary['cleared']} cleared, "
              f"{summary['persisting']} persisting.", highlight=False)
    if summary["status_changes"]:
        rows = [[change.replace("->", " → "), count] for change, count in sorted(summary["status_changes"].items())]
        out.print(render_table(["status", "reports"], rows, title="status changes"))
    for kept in summary["kept"]:
        out.print(f"[yellow]kept as it was[/yellow] {escape(kept['path'])}: {escape(kept['reason'])}", soft_wrap=True)
    with open_warehouse(db) as conn:
        previous = conn.execute(query("runs/run_before"), [summary["run_id"]]).fetchall()
    if previous:
        out.print(f"what changed: jixiao findings --diff {previous[0][0][:8]} {summary['run_id'][:8]}",
                  highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command()(revalidate)


def show_findings_diff(db: Any, run_a: str, run_b: str) -> None:
    """`jixiao findings --diff RUN_A RUN_B`: what was raised, cleared and kept between two runs."""
    import duckdb

    from tasks.history import HistoryError, diff_reports, findings_diff

    with open_warehouse(db) as conn:
        try:
            diff = findings_diff(conn, run_a, run_b)
            reports = diff_reports(conn, run_a, run_b)
        except HistoryError as exc:
            fail(str(exc))
        except duckdb.CatalogException as exc:  # a warehouse not yet migrated to the history tables
            fail(f"this warehouse has no findings history yet (run `jixiao revalidate` once): {exc}")
    out = stdout_console()
    counts = diff["change"].value_counts()
    # the reports validated in between are what the diff is about (as a revalidate run counts)
    out.print(f"from run {run_a} to run {run_b} ({reports} report{'' if reports == 1 else 's'} validated in between): "
              + ", ".join(f"{counts.get(change, 0)} {change}" for change in ("raised", "cleared", "persisting")),
              highlight=False)
    if diff.empty:
        return
    columns = ["change", "file_name", "unit_name", "fiscal_year", "rule", "severity", "message"]
    rows = [list(row) for row in diff[columns].astype(object).where(diff[columns].notna(), None)
            .itertuples(index=False, name=None)]
    from jixiao.fitted_table import FittedTable

    out.print(FittedTable(columns, rows))  # the messages' figures stay whole on a narrow terminal
